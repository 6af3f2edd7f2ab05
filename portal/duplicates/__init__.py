"""Staff pages for 名寄せ: candidate duplicates with their evidence, merge with a preview, undo."""
