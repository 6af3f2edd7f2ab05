"""Two customers whose values never overlap, so a page can be searched for the other's data."""

SOURCES = [
    {"type": "source", "key": "web-signup", "kind": "direct", "name": {"ja": "会員登録フォーム", "en": "Sign-up form"}},
    {"type": "source", "key": "store-card", "kind": "membership", "name": {"ja": "店舗ポイントカード", "en": "Store point card"}},
    {"type": "source", "key": "bigsight-2024", "kind": "event", "obtained_on": "2024-05-15",
     "name": {"ja": "東京ビッグサイト 販促EXPO 2024 名刺交換", "en": "Sales Promotion EXPO 2024, business card exchange"}},
    {"type": "source", "key": "list-2025", "kind": "purchased_list", "obtained_on": "2025-09-01",
     "name": {"ja": "首都圏 生活者リスト 2025年版", "en": "Greater Tokyo consumer list 2025"},
     "provider": "株式会社サンプルリサーチ", "provider_obtained_by": "懸賞サイトの応募フォームで同意を得て取得"},
    {"type": "source", "key": "partner-travel", "kind": "partner", "name": "提携先 サンプル旅行",
     "provider": "株式会社サンプル旅行", "provider_obtained_by": "会員優待の申込フォーム"},
    {"type": "source", "key": "sakura-card", "kind": "group_company", "name": "さくらカード",
     "provider": "さくらカード株式会社", "provider_obtained_by": "入会申込書"},
]
PURPOSES = [
    {"type": "purpose", "key": "orders", "channel": "none",
     "title": {"ja": "ご注文の商品をお届けするため", "en": "To deliver your orders"}},
    {"type": "purpose", "key": "newsletter-email", "channel": "email", "consent_required": True,
     "title": {"ja": "新商品・サービスのお知らせをメールでお送りするため", "en": "To email you news about new products"}},
    {"type": "purpose", "key": "dm-post", "channel": "post", "consent_required": True,
     "title": {"ja": "カタログを郵便でお送りするため", "en": "To send you our catalogue by post"}},
    {"type": "purpose", "key": "points", "channel": "none",
     "title": {"ja": "ポイントを付与・管理するため", "en": "To award and manage your points"}},
]


def person(key: str, email: str, name: str, kana: str, phone: str, birthdate: str, number: str) -> dict:
    return {"type": "person", "key": key, "email": email, "name": name, "name_kana": kana,
            "phone": phone, "birthdate": birthdate, "customer_number": number}


def item(person_key: str, category: str, field: str, value, *, source: str = "web-signup", keyed: bool = True,
         at: str = "2024-05-15T10:30:00+09:00", purposes=("orders",), retain_until: str | None = "2030-03-31") -> dict:
    record = {"type": "item", "person": person_key, "category": category, "field": field, "value": value,
              "source": source, "collected_at": at, "purposes": list(purposes), "retain_until": retain_until}
    if keyed:
        record["key"] = f"{person_key}/{category}.{field}"
    return record


def purchase(person_key: str, n: int, product: str, total: int) -> dict:
    day = 1 + n % 28
    return item(person_key, "purchase", "line", {"sku": f"SKU-{n:05d}", "product": product, "quantity": 1, "total": total},
                source="store-card", keyed=False, at=f"2025-{1 + n % 12:02d}-{day:02d}T12:{n % 60:02d}:00+09:00",
                purposes=("orders", "points"), retain_until="2032-03-31")


HANAKO = "C-000123"
HANAKO_VALUES = {
    "name": "山田 花子", "kana": "ヤマダ ハナコ", "email": "hanako@example.jp", "phone": "090-1234-5678",
    "birthdate": "1985-04-01", "number": "M-55501234", "address": "東京都港区サンプル1-2-3 サンプルハイツ301",
    "product": "抹茶どら焼き",
}
JIRO = "C-000999"
JIRO_VALUES = {
    "name": "佐藤 次郎", "kana": "サトウ ジロウ", "email": "jiro@example.jp", "phone": "080-9876-4321",
    "birthdate": "1970-12-24", "number": "M-99998888", "address": "大阪府大阪市北区見本9-8-7",
    "product": "秘密の紅茶セット",
}


def customer_records(key: str, v: dict, *, purchases: int = 8) -> list[dict]:
    """A customer with a full register, items from every kind of source, consents and a provision."""
    return [
        person(key, v["email"], v["name"], v["kana"], v["phone"], v["birthdate"], v["number"]),
        item(key, "identity", "name", v["name"]),
        item(key, "identity", "name_kana", v["kana"]),
        item(key, "contact", "email", v["email"], purposes=("orders", "newsletter-email")),
        item(key, "contact", "phone", v["phone"], source="partner-travel"),
        item(key, "contact", "address", v["address"], source="list-2025", purposes=("dm-post",), retain_until="2029-05-15"),
        item(key, "demographic", "birthdate", v["birthdate"], source="bigsight-2024"),
        item(key, "membership", "member_number", v["number"], source="sakura-card", purposes=("points",)),
        *[purchase(key, n, v["product"], 1000 + n) for n in range(purchases)],
        item(key, "points", "earned", {"points": 120, "reason": "購入"}, source="store-card", keyed=False,
             at="2025-03-03T09:00:00+09:00", purposes=("points",)),
        {"type": "consent", "person": key, "purpose": "newsletter-email", "state": "granted",
         "at": "2024-05-15T10:30:00+09:00", "method": "web-form", "source": "web-signup"},
        {"type": "consent", "person": key, "purpose": "newsletter-email", "state": "withdrawn",
         "at": "2025-02-10T08:30:00+09:00", "method": "mypage"},
        {"type": "consent", "person": key, "purpose": "dm-post", "state": "granted",
         "at": "2024-06-01T12:00:00+09:00", "method": "store"},
        {"type": "provision", "key": f"P-{key}", "person": key,
         "recipient": {"name": "株式会社サンプル物流", "address": "大阪府大阪市北区サンプル町4-5-6", "representative": "代表取締役 佐藤 一郎"},
         "provided_at": "2025-02-01", "basis": "entrustment", "items": ["identity.name", "contact.address"]},
    ]


def two_customers() -> list[dict]:
    return [*SOURCES, *PURPOSES, *customer_records(HANAKO, HANAKO_VALUES), *customer_records(JIRO, JIRO_VALUES)]
