"""The JSON API v1 (/api/v1/): bearer tokens, problem details, its OpenAPI document, webhooks."""
