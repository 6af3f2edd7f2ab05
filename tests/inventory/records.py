"""Small valid import records to build test files from."""

SOURCE = {
    "type": "source", "key": "bigsight-2024", "kind": "event",
    "name": {"ja": "東京ビッグサイト 販促EXPO 2024 名刺交換", "en": "Sales Promotion EXPO 2024, business card exchange"},
    "obtained_on": "2024-05-15",
}
LIST_SOURCE = {
    "type": "source", "key": "list-2023", "kind": "purchased_list", "name": "名簿 2023",
    "provider": "株式会社リストデモ", "provider_obtained_by": "アンケート",
}
PURPOSE = {
    "type": "purpose", "key": "newsletter-email",
    "title": {"ja": "新商品・サービスのお知らせ（メール）", "en": "News about new products and services (email)"},
    "consent_required": True, "channel": "email",
}
PERSON = {
    "type": "person", "key": "C-000123", "email": "Hanako@Example.jp ", "name": "山田 花子",
    "name_kana": "ヤマダ ハナコ", "phone": "090-1234-5678", "birthdate": "1985-04-01",
    "customer_number": "M-55501234",
}
ITEM = {
    "type": "item", "key": "C-000123/address", "person": "C-000123", "category": "contact",
    "field": "address", "value": "東京都港区サンプル1-1", "source": "bigsight-2024",
    "collected_at": "2024-05-15T10:30:00+09:00", "purposes": ["newsletter-email"], "retain_until": "2029-05-15",
}
PURCHASE = {
    "type": "item", "person": "C-000123", "category": "purchase", "field": "line",
    "value": {"sku": "A-1", "name": "緑茶", "price": 150}, "source": "bigsight-2024",
    "collected_at": "2024-06-01T12:00:00",
}
CONSENT = {
    "type": "consent", "person": "C-000123", "purpose": "newsletter-email", "state": "granted",
    "at": "2024-05-15T10:30:00+09:00", "method": "event-form", "source": "bigsight-2024",
}
PROVISION = {
    "type": "provision", "key": "P-2025-0007", "person": "C-000123",
    "recipient": {"name": "株式会社サンプル物流", "address": "大阪府大阪市サンプル1", "representative": "代表取締役 佐藤 一郎"},
    "provided_at": "2025-02-01", "basis": "consent", "items": ["contact.name", "contact.address"],
}
VALID_FILE = [SOURCE, LIST_SOURCE, PURPOSE, PERSON, ITEM, PURCHASE, CONSENT, PROVISION]
