# FICTIONAL demo data tables, read by portal/demo/build_demo.py (see the comments there).
# Every company, person, address (towns サンプル/見本, 〒xxx-0000), phone (090-0000-xxxx,
# 0x-0000-xxxx) and email (example.jp) here is invented.
"""The demo company's sources, purposes, recipients, stores, products and people, as tables."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


def _source(key, kind, ja, en, obtained_on=None, provider=None, obtained_by=None, note=None, labels=None) -> dict:
    """A source record in the import format (kept short so the table below reads as a list)."""
    record = {
        "type": "source", "key": key, "kind": kind, "name": {"ja": ja, "en": en},
        "obtained_on": obtained_on, "provider": provider,
        "provider_obtained_by": obtained_by, "note": note,
    }
    if labels:  # the company's words for fields only its data has (import format: `labels`)
        record["labels"] = labels
    return record


# One or more sources of every kind in the contract.
SOURCES = [
    _source("web-signup", "direct", "公式オンラインストア 会員登録フォーム", "Online store sign-up form"),
    _source("official-app", "direct", "さくらマート公式アプリ（会員証・クーポン）", "Sakura Mart app (member card and coupons)"),
    _source("store-purchase", "purchase", "店舗でのお買い物（レジの記録）", "In-store purchases (till records)"),
    _source("online-purchase", "purchase", "オンラインストアでのご注文", "Online store orders"),
    _source("point-card", "membership", "さくらポイントカード 入会申込書（店頭）", "Sakura Point card application form (in store)"),
    _source("survey-2025", "survey", "2025年 お客様満足度アンケート（店頭・Web）", "2025 customer satisfaction survey (in store and online)",
            obtained_on="2025-10-01"),
    _source("summer-campaign-2026", "campaign", "2026年 夏の大感謝祭 プレゼントキャンペーン応募",
            "Summer Thanksgiving prize draw 2026, entries", obtained_on="2026-07-01"),
    _source("bigsight-2024", "event", "東京ビッグサイト 販促EXPO 2024 名刺交換",
            "Sales Promotion EXPO 2024 at Tokyo Big Sight, business card exchange", obtained_on="2024-05-15",
            note="当社ブース（東1ホール）で法人のお客様と交換した名刺"),
    _source("sales-meetings", "business_card", "法人営業部での名刺交換（商談・来社時）",
            "Business cards exchanged in sales meetings and visits"),
    _source("list-2025", "purchased_list", "首都圏 生活者リスト 2025年版（購入）", "Greater Tokyo consumer list, 2025 edition (purchased)",
            obtained_on="2025-09-01", provider="株式会社サンプルリサーチ（架空）",
            obtained_by="同社が運営する懸賞サイトの応募フォームで、第三者への提供についてご本人の同意を得て取得",
            note="購入時に提供元の氏名・住所と取得の経緯を確認し記録しました（個人情報保護法第30条）。"),
    _source("partner-travel", "partner", "提携先 サンプル旅行 会員優待の申込", "Member offer application at our partner Sample Travel",
            obtained_on="2025-02-01", provider="株式会社サンプル旅行（架空）",
            obtained_by="同社会員サイトの優待申込フォームで、当社への提供についてご本人の同意を得て取得"),
    _source("sakura-card", "group_company", "さくらカード（グループ共通ポイント）", "Sakura Card (the group's shared point programme)",
            provider="さくらカード株式会社",
            obtained_by="さくらカードの入会申込書で、グループ共通ポイントのための共同利用をご本人に通知のうえ取得",
            labels={"membership.sakura_card": {"ja": "さくらカード（グループ共通ポイントカード）",
                                               "en": "Sakura Card (the group's shared point card)"}}),
    _source("public-web", "public", "取引先企業の公式ウェブサイト（役員・担当者紹介）",
            "Business partners' official websites (staff pages)"),
    _source("legacy-2021", "other", "旧会員システム「さくらクラブ」からの移行データ",
            "Data migrated from the former Sakura Club member system", obtained_on="2021-10-01",
            note="2021年10月のシステム統合で移行。旧会員番号と旧入会日のみ引き継ぎ。"),
]


def _purpose(key, channel, consent, ja, en, desc_ja, desc_en, sale_or_sharing=False) -> dict:
    """A purpose record: specific words a customer understands, never just "marketing"."""
    record = {
        "type": "purpose", "key": key, "title": {"ja": ja, "en": en},
        "description": {"ja": desc_ja, "en": desc_en}, "consent_required": consent, "channel": channel,
    }
    if sale_or_sharing:  # a "sale or sharing" in the CCPA's words: Global Privacy Control withdraws it
        record["sale_or_sharing"] = True
    return record


PURPOSES = [
    _purpose("newsletter-email", "email", True,
             "新商品・サービスのお知らせをメールでお送りするため", "To email you news about new products and services",
             "新商品、セール、会員限定クーポンのお知らせをメールでお送りします。同意いただいた方にのみ送り、いつでも停止できます。",
             "We email news of new products, sales and member coupons, only if you agreed, and you can stop it at any time."),
    _purpose("dm-post", "post", False,
             "セール情報やカタログを郵便（ダイレクトメール）でお送りするため", "To post you sale leaflets and catalogues (direct mail)",
             "ご登録の住所へ、季節のカタログやセールのご案内を郵送します。ご連絡いただければ送付を停止します。",
             "We post seasonal catalogues and sale leaflets to your address; tell us and we stop."),
    _purpose("sms-campaign", "sms", True,
             "キャンペーンや抽選結果のご案内をSMS（ショートメッセージ）でお送りするため",
             "To text you about campaigns and prize-draw results (SMS)",
             "キャンペーンのご案内と当選のご連絡を携帯電話番号あてのSMSでお送りします。同意いただいた方のみが対象です。",
             "We send campaign news and prize notices by SMS to your mobile number, only if you agreed."),
    _purpose("order-delivery", "none", False,
             "ご注文の商品や当選した賞品をお届けし、配送状況をご連絡するため",
             "To deliver your orders and prizes and tell you about the delivery",
             "お名前、住所、電話番号を配送会社（株式会社サンプル物流）に預けて、商品をお届けします。",
             "We give your name, address and phone number to our delivery contractor, Sample Logistics, to deliver."),
    _purpose("points-programme", "none", False,
             "さくらポイント（グループ共通ポイント）の付与・利用・残高のご案内など、会員プログラムを運営するため",
             "To run the Sakura Point programme (the group's shared points): earning, spending and balances",
             "お買い物に応じたポイントの付与と利用、会員ランクの判定、残高のご案内を行います。さくらカード株式会社と共同で利用します。",
             "We add and redeem points, set your member rank and show your balance, jointly with Sakura Card Co., Ltd."),
    _purpose("purchase-analysis", "none", False,
             "購買履歴やアンケートのご回答を分析して、おすすめ商品のご提案や売場・サービスの改善に役立てるため",
             "To analyse purchases and survey answers to suggest products and improve our shops and services",
             "アプリやオンラインストアでのおすすめ表示と、品揃え・売場づくりの検討に使います。",
             "Used for recommendations in the app and online store and for planning our range and shops."),
    _purpose("ad-partner", "none", True,
             "提携する広告会社に提供し、他社のウェブサイトやアプリで当社の広告を表示するため",
             "To share data with our advertising partner to show our ads on other websites and apps",
             "メールアドレス（暗号化したもの）、性別、興味のある分野を株式会社サンプル広告に提供します。同意いただいた方のみが対象です。",
             "We give your email address (hashed), gender and interests to Sample Advertising Inc., only if you agreed.",
             sale_or_sharing=True),
    _purpose("b2b-contact", "phone", False,
             "展示会や商談で名刺を交換した法人のご担当者さまに、お電話で取引のご相談やご提案をするため",
             "To phone business contacts we met at exhibitions or meetings about doing business together",
             "名刺に記載の会社名・部署・役職・連絡先を使い、法人営業部からご連絡します。",
             "Our corporate sales team uses the company, department, title and contact details on your card."),
]

# Recipients of provision records; the joint-use partner matches company.json.
RECIPIENTS = {
    "delivery": {"name": "株式会社サンプル物流", "address": "〒530-0000 大阪府大阪市北区サンプル町4-5-6",
                 "representative": "代表取締役 佐藤 一郎"},
    "ads": {"name": "株式会社サンプル広告", "address": "〒105-0000 東京都港区見本3-4-5 サンプルタワー12階",
            "representative": "代表取締役 高木 次郎"},
    "joint": {"name": "さくらカード株式会社", "address": "〒100-0000 東京都千代田区サンプル町1-2-3 サンプルビル8階",
              "representative": "代表取締役 見本 次郎"},
}
# What each kind of provision carries, as `category.field` names (they match the items).
PROVIDED_ITEMS = {
    "delivery": ["identity.name", "contact.address", "contact.phone"],
    "ads": ["contact.email", "demographic.gender", "preference.interests"],
    "joint": ["identity.name", "contact.address", "contact.phone", "contact.email",
              "membership.member_number", "purchase.line", "points.balance"],
}

# Store names as on the receipt, without the chain's name (every store is さくらマート).
STORES = {"01": "渋谷店", "02": "新宿西口店", "03": "吉祥寺店", "04": "横浜みなとみらい店", "05": "大宮駅前店",
          "06": "船橋店", "07": "立川店"}
ONLINE_STORE = "オンラインストア"

# (sku, name, price in yen incl. tax)
PRODUCTS = [
    ("SM-10001", "国産コシヒカリ 5kg", 2480), ("SM-10002", "北海道牛乳 1L", 238), ("SM-10003", "食パン 6枚切", 168),
    ("SM-10004", "たまご 10個入", 258), ("SM-10005", "緑茶 500ml", 128), ("SM-10006", "バナナ 1房", 198),
    ("SM-10007", "鶏むね肉 300g", 348), ("SM-10008", "木綿豆腐", 88), ("SM-10009", "納豆 3パック", 98),
    ("SM-10010", "合わせ味噌 750g", 398), ("SM-10011", "こいくちしょうゆ 1L", 298), ("SM-10012", "カレールウ 中辛", 228),
    ("SM-10013", "インスタントコーヒー 80g", 598), ("SM-10014", "ミルクチョコレート", 138),
    ("SM-10015", "ポテトチップス うすしお", 148), ("SM-10016", "プレーンヨーグルト 400g", 178),
    ("SM-10017", "トマト 3個", 298), ("SM-10018", "キャベツ 1玉", 198), ("SM-10019", "冷凍餃子 12個", 258),
    ("SM-10020", "バニラアイス 6本入", 398), ("SM-10021", "生鮭 切身 2切", 498), ("SM-10022", "豚こま切れ 250g", 398),
    ("SM-10023", "にんじん 3本", 158), ("SM-10024", "玉ねぎ 3個", 178), ("SM-10025", "じゃがいも 4個", 198),
    ("SM-10026", "りんご ふじ", 158), ("SM-10027", "みかん 1袋", 398), ("SM-10028", "乾燥パスタ 500g", 198),
    ("SM-10029", "ミネラルウォーター 2L", 98), ("SM-10030", "麦茶 ティーバッグ", 218), ("SM-10031", "おにぎり 鮭", 138),
    ("SM-10032", "幕の内弁当", 598), ("SM-10033", "赤ワイン 750ml", 980), ("SM-10034", "缶ビール 350ml 6本", 1280),
    ("SM-20001", "ティッシュペーパー 5箱", 398), ("SM-20002", "トイレットペーパー 12ロール", 548),
    ("SM-20003", "洗濯用洗剤 詰替", 328), ("SM-20004", "食器用洗剤", 198), ("SM-20005", "シャンプー 詰替", 498),
    ("SM-20006", "歯みがき粉", 248), ("SM-20007", "ハンドソープ", 298), ("SM-20008", "単3電池 8本", 698),
    ("SM-30001", "ノート B5 5冊", 398), ("SM-30002", "ボールペン 黒 3本", 330), ("SM-40001", "靴下 3足組", 980),
    ("SM-40002", "さくらマート オリジナル エコバッグ", 550),
]

INTERESTS = ["料理・食品", "ワイン・お酒", "健康・美容", "子育て", "アウトドア", "ペット", "インテリア", "スイーツ"]
SURVEY_ANSWERS = {
    "satisfaction": ["満足", "やや満足", "ふつう", "やや不満"],
    "visit_frequency": ["週に3回以上", "週に1〜2回", "月に2〜3回", "月に1回以下"],
    "favourite_section": ["青果", "精肉", "鮮魚", "惣菜", "パン", "日用品"],
    "comment": ["惣菜の種類をもっと増やしてほしい。", "レジの待ち時間が短くなってうれしい。",
                "アプリのクーポンが使いやすい。", "駐輪場を広くしてほしい。", "特になし。"],
}

# Years an item is kept, by category, counted from when it was collected ("collected") or
# from the person's last activity with us ("last_activity": kept while the relationship lasts).
RETENTION = {
    "identity": (5, "last_activity"), "contact": (5, "last_activity"), "demographic": (5, "last_activity"),
    "membership": (5, "last_activity"), "preference": (5, "last_activity"), "device": (2, "last_activity"),
    "purchase": (7, "collected"),  # trade records: seven years
    "points": (7, "collected"),
    "survey": (3, "collected"), "business_card": (3, "last_activity"), "other": (2, "collected"),
}


@dataclass(frozen=True)
class DemoPerson:
    """One fictional person and what happened to them; `traits` (in order) say which data we hold."""

    key: str
    name: str
    kana: str
    email: str
    birthdate: str
    gender: str
    address: str | None
    traits: tuple[str, ...]
    joined: str | None = None  # the day they became a point-card member
    signup: str = "web-signup"  # the source of their membership details
    store: str = "01"  # the store they usually visit
    lines: int = 0  # purchase lines to generate


P = DemoPerson
PERSONS = [
    # 5,000 purchase lines and point records: the heavy shopper the "my data" pages are built for.
    P("C-000001", "山田 花子", "ヤマダ ハナコ", "hanako@example.jp", "1985-04-01", "女性",
      "〒150-0000 東京都渋谷区サンプル2-14-7 サンプルハイツ301", ("member", "online", "app", "survey", "group"),
      joined="2021-11-20", lines=5000),
    # Holds items from a source of every kind in the contract (direct … other).
    P("C-000002", "佐藤 健太", "サトウ ケンタ", "kenta.sato@example.jp", "1979-08-23", "男性",
      "〒180-0000 東京都武蔵野市見本町1-8-3",
      ("legacy", "member", "online", "survey", "campaign", "bigsight", "public", "card", "list", "partner", "group", "app"),
      joined="2021-10-01", signup="point-card", store="03", lines=40),
    P("C-000003", "鈴木 美咲", "スズキ ミサキ", "misaki.suzuki@mail.example.jp", "1992-11-05", "女性",
      "〒220-0000 神奈川県横浜市西区サンプル台3-5-12 みほんマンション805", ("member", "app", "campaign"),
      joined="2023-03-15", store="04", lines=30),
    P("C-000004", "高橋 翔太", "タカハシ ショウタ", "shota.takahashi@mail.example.jp", "1988-02-14", "男性",
      "〒330-0000 埼玉県さいたま市大宮区見本町4-2-1", ("member", "online"), joined="2022-06-01", store="05", lines=40),
    P("C-000005", "田中 陽子", "タナカ ヨウコ", "yoko.tanaka@example.jp", "1970-06-30", "女性",
      "〒160-0000 東京都新宿区サンプル5-3-9", ("member", "survey"),
      joined="2021-12-05", signup="point-card", store="02", lines=50),
    P("C-000006", "伊藤 大輔", "イトウ ダイスケ", "d.ito@sample-pack.example.jp", "1983-09-12", "男性", None, ("bigsight",)),
    P("C-000007", "渡辺 さくら", "ワタナベ サクラ", "sakura.watanabe@mail.example.jp", "1999-03-27", "女性",
      "〒260-0000 千葉県千葉市中央区サンプル1-1-15", ("campaign",)),
    P("C-000008", "中村 拓也", "ナカムラ タクヤ", "takuya.nakamura@example.jp", "1975-12-01", "男性",
      "〒211-0000 神奈川県川崎市中原区見本2-9-4", ("list",)),
    P("C-000009", "小林 恵子", "コバヤシ ケイコ", "keiko.kobayashi@example.jp", "1962-07-18", "女性",
      "〒157-0000 東京都世田谷区サンプル6-2-20", ("member", "group"),
      joined="2022-02-11", signup="point-card", lines=45),
    P("C-000010", "加藤 直樹", "カトウ ナオキ", "naoki.kato@mail.example.jp", "1990-01-09", "男性",
      "〒231-0000 神奈川県横浜市中区見本5-5-5 サンプルコート203", ("partner",)),
    P("C-000011", "吉田 真由美", "ヨシダ マユミ", "mayumi.yoshida@example.jp", "1981-05-21", "女性",
      "〒194-0000 東京都町田市サンプル3-3-3", ("member", "survey"), joined="2022-09-09", store="07", lines=35),
    P("C-000012", "山本 和也", "ヤマモト カズヤ", "k.yamamoto@mihon-bussan.example.jp", "1968-10-03", "男性", None,
      ("public", "card")),
    P("C-000013", "松本 彩", "マツモト アヤ", "aya.matsumoto@mail.example.jp", "1995-08-08", "女性",
      "〒135-0000 東京都江東区見本7-1-4 サンプルタワー1502", ("member", "online", "app"),
      joined="2024-01-20", store="02", lines=25),
    P("C-000014", "井上 誠", "イノウエ マコト", "makoto.inoue@example.jp", "1958-04-15", "男性",
      "〒336-0000 埼玉県さいたま市南区サンプル2-6-8", ("member",),
      joined="2021-11-03", signup="point-card", store="05", lines=20),
    P("C-000015", "木村 優子", "キムラ ユウコ", "yuko.kimura@mail.example.jp", "1987-02-02", "女性",
      "〒273-0000 千葉県船橋市見本4-10-2", ("group",)),
    P("C-000016", "林 浩二", "ハヤシ コウジ", "koji.hayashi@example.jp", "1972-11-11", "男性",
      "〒170-0000 東京都豊島区サンプル1-22-5", ("legacy", "member"),
      joined="2021-10-01", signup="point-card", store="02", lines=15),
    P("C-000017", "斎藤 千尋", "サイトウ チヒロ", "chihiro.saito@mail.example.jp", "2001-06-06", "女性",
      "〒114-0000 東京都北区見本3-7-7 みほん荘102", ("campaign", "member"), joined="2026-07-20", lines=8),
    P("C-000018", "清水 雄一", "シミズ ユウイチ", "y.shimizu@sample-display.example.jp", "1985-09-29", "男性", None,
      ("bigsight",)),
    P("C-000019", "山口 麻衣", "ヤマグチ マイ", "mai.yamaguchi@example.jp", "1993-12-24", "女性",
      "〒252-0000 神奈川県相模原市中央区サンプル8-1-3", ("member", "survey"), joined="2023-08-08", store="07", lines=22),
    P("C-000020", "森 正人", "モリ マサト", "masato.mori@mail.example.jp", "1980-03-03", "男性",
      "〒359-0000 埼玉県所沢市見本1-4-6", ("list", "member"),
      joined="2025-11-01", signup="point-card", store="05", lines=12),
    P("C-000021", "池田 奈々", "イケダ ナナ", "nana.ikeda@example.jp", "1997-07-07", "女性",
      "〒143-0000 東京都大田区サンプル2-2-18", ("member", "online"), joined="2024-06-15", lines=20),
    P("C-000022", "橋本 剛", "ハシモト ツヨシ", "tsuyoshi.hashimoto@example.jp", "1966-01-20", "男性",
      "〒250-0000 神奈川県小田原市見本6-3-1", ("member",),
      joined="2022-01-15", signup="point-card", store="04", lines=30),
    P("C-000023", "阿部 里美", "アベ サトミ", "satomi.abe@mail.example.jp", "1978-10-10", "女性",
      "〒184-0000 東京都小金井市サンプル5-12-4", ("survey",)),
    P("C-000024", "石川 翼", "イシカワ ツバサ", "tsubasa.ishikawa@mail.example.jp", "2000-05-05", "男性",
      "〒279-0000 千葉県浦安市見本2-1-9 サンプルレジデンス707", ("member", "app"),
      joined="2025-04-01", signup="official-app", store="06", lines=15),
    P("C-000025", "前田 香織", "マエダ カオリ", "kaori.maeda@example.jp", "1984-08-16", "女性",
      "〒190-0000 東京都立川市サンプル4-4-11", ("partner", "member"), joined="2025-02-14", store="07", lines=10),
    P("C-000026", "藤田 健", "フジタ ケン", "ken.fujita@example.jp", "1960-02-29", "男性",
      "〒300-0000 茨城県土浦市見本1-15-3", ("group", "member"),
      joined="2023-10-10", signup="point-card", store="06", lines=17),
]

class Card(NamedTuple):
    """What a business card says; `title_later` is the title on a card from a later meeting."""

    company: str
    department: str
    title: str
    work_email: str
    work_phone: str
    work_address: str
    title_later: str | None = None


B2B_CARDS = {
    "C-000002": Card("株式会社みほん食品（架空）", "営業本部 量販営業部", "部長", "k.sato@mihon-foods.example.jp",
                     "03-0000-2101", "〒104-0000 東京都中央区サンプル1-5-2", title_later="営業本部長"),
    "C-000006": Card("株式会社サンプル包装（架空）", "販売促進部", "課長", "d.ito@sample-pack.example.jp",
                     "06-0000-3302", "〒541-0000 大阪府大阪市中央区見本2-3-4"),
    "C-000012": Card("見本物産株式会社（架空）", "", "代表取締役", "k.yamamoto@mihon-bussan.example.jp",
                     "045-000-4410", "〒231-0000 神奈川県横浜市中区サンプル1-2-3"),
    "C-000018": Card("株式会社サンプルディスプレイ（架空）", "営業部", "主任", "y.shimizu@sample-display.example.jp",
                     "03-0000-5508", "〒135-0000 東京都江東区サンプル3-8-1"),
}

# Consent histories: person, purpose, then events (state, JST time, method, source or None).
# Later withdrawals (and one grant after a withdrawal) show that the latest event wins.
CONSENTS = [
    ("C-000001", "newsletter-email", [("granted", "2021-11-20T21:04", "web-form", "web-signup")]),
    ("C-000001", "sms-campaign", [("granted", "2023-07-02T12:10", "app", "official-app"),
                                  ("withdrawn", "2025-02-10T08:30", "mypage", None)]),
    ("C-000001", "ad-partner", [("granted", "2024-04-01T19:45", "app", "official-app"),
                                ("withdrawn", "2025-09-15T22:10", "privacy-portal", None)]),
    ("C-000002", "newsletter-email", [("granted", "2021-10-01T10:00", "store-counter", "point-card"),
                                      ("withdrawn", "2024-06-20T07:55", "mypage", None),
                                      ("granted", "2026-07-05T13:20", "campaign-form", "summer-campaign-2026")]),
    ("C-000002", "sms-campaign", [("granted", "2026-07-05T13:20", "campaign-form", "summer-campaign-2026")]),
    ("C-000003", "newsletter-email", [("granted", "2023-03-15T20:12", "web-form", "web-signup")]),
    ("C-000003", "sms-campaign", [("granted", "2023-03-15T20:12", "web-form", "web-signup"),
                                  ("withdrawn", "2024-08-01T18:03", "sms-reply", None),
                                  ("granted", "2026-07-12T09:41", "campaign-form", "summer-campaign-2026")]),
    ("C-000004", "newsletter-email", [("granted", "2022-06-01T22:30", "web-form", "web-signup")]),
    ("C-000005", "newsletter-email", [("granted", "2021-12-05T15:00", "store-counter", "point-card"),
                                      ("withdrawn", "2024-01-18T11:20", "phone", None)]),
    ("C-000007", "sms-campaign", [("granted", "2026-07-20T23:05", "campaign-form", "summer-campaign-2026")]),
    ("C-000010", "newsletter-email", [("granted", "2025-02-03T12:00", "partner-form", "partner-travel")]),
    ("C-000011", "newsletter-email", [("granted", "2022-09-09T19:30", "web-form", "web-signup"),
                                      ("withdrawn", "2025-05-30T06:45", "email-unsubscribe", None)]),
    ("C-000013", "newsletter-email", [("granted", "2024-01-20T21:10", "web-form", "web-signup")]),
    ("C-000013", "ad-partner", [("granted", "2025-01-10T20:00", "app", "official-app")]),
    # An objection to a purpose that needs no consent: no more catalogues by post.
    ("C-000014", "dm-post", [("withdrawn", "2025-06-02T10:00", "postcard", None)]),
    ("C-000017", "sms-campaign", [("granted", "2026-07-08T17:25", "campaign-form", "summer-campaign-2026")]),
    ("C-000017", "newsletter-email", [("granted", "2026-07-20T14:02", "web-form", "web-signup")]),
    ("C-000019", "sms-campaign", [("granted", "2023-08-08T12:40", "web-form", "web-signup"),
                                  ("withdrawn", "2026-03-14T21:15", "mypage", None)]),
    ("C-000021", "newsletter-email", [("granted", "2024-06-15T10:05", "web-form", "web-signup")]),
    ("C-000022", "ad-partner", [("granted", "2023-05-20T16:30", "store-counter", "point-card"),
                                ("withdrawn", "2024-11-05T14:00", "phone", None)]),
    ("C-000024", "newsletter-email", [("granted", "2025-04-01T08:15", "app", "official-app")]),
    ("C-000024", "ad-partner", [("granted", "2026-02-01T22:48", "app", "official-app")]),
    ("C-000025", "newsletter-email", [("granted", "2025-02-14T18:00", "web-form", "web-signup")]),
]
