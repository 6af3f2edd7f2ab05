"""Staff pages for leak incidents (/staff/incidents) and the notice on the person's "my data"."""
