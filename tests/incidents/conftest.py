"""Incident fixtures: staff and customer log-ins come from their packages' fixtures."""
from __future__ import annotations

import pytest

from tests.customer.records import PURPOSES, SOURCES, item, person


@pytest.fixture
def leak_data(import_lines):
    """Three customers: two whose address came through the sign-up form in May 2024 (one of
    them a month later), one through the point card."""
    import_lines(
        *SOURCES, *PURPOSES,
        person("C-1", "hanako@example.jp", "山田 花子", "ヤマダ ハナコ", "090-1111-2222", "1985-04-01", "M-1"),
        person("C-2", "jiro@example.jp", "佐藤 次郎", "サトウ ジロウ", "090-3333-4444", "1979-11-30", "M-2"),
        person("C-3", "mika@example.jp", "鈴木 美香", "スズキ ミカ", "090-5555-6666", "1990-01-15", "M-3"),
        item("C-1", "contact", "address", "東京都港区1-1", at="2024-05-10T10:00:00+09:00"),
        item("C-2", "contact", "address", "大阪府大阪市2-2", at="2024-06-10T10:00:00+09:00"),
        item("C-3", "contact", "address", "愛知県名古屋市3-3", source="store-card", at="2024-05-12T10:00:00+09:00"),
    )
