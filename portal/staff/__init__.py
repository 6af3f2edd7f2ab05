"""The staff area: accounts, strong log-in (password + TOTP), roles, and the frame of /staff/."""
