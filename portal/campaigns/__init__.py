"""Permission campaigns (パーミッション確認): tell people where their data came from and ask, per
purpose, whether its use may continue. Domain only; the pages live in portal/campaign_pages."""
