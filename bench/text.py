"""Short phrase lists in English, Vietnamese, Thai and Polish for generated tickets.

Written for this suite. Each language has its own word for "printer" (``SEARCH_WORDS``) placed
in about 1% of subjects, so later search workloads have a known, rare target.
"""

from __future__ import annotations

import random

LANGUAGES = ("en", "vi", "th", "pl")
LANGUAGE_WEIGHTS = (40, 25, 20, 15)

SEARCH_WORDS = {"en": "printer", "vi": "máy in", "th": "เครื่องพิมพ์", "pl": "drukarka"}

SUBJECTS = {
    "en": [
        "Cannot log in to my account",
        "Invoice amount looks wrong",
        "Refund for order not received",
        "Delivery is late again",
        "App crashes when I open settings",
        "How do I change my password?",
        "Card payment was declined",
        "Please cancel my subscription",
        "Export to CSV gives an empty file",
        "Wrong item in my parcel",
        "Question about the premium plan",
        "Notifications stopped arriving",
    ],
    "vi": [
        "Không đăng nhập được vào tài khoản",
        "Hóa đơn tháng này bị sai số tiền",
        "Chưa nhận được tiền hoàn lại",
        "Đơn hàng giao chậm quá",
        "Ứng dụng bị lỗi khi mở cài đặt",
        "Làm sao để đổi mật khẩu?",
        "Thanh toán bằng thẻ bị từ chối",
        "Tôi muốn hủy gói dịch vụ",
        "Xuất báo cáo ra file bị trống",
        "Giao nhầm sản phẩm cho tôi",
        "Hỏi về gói cao cấp",
        "Không còn nhận được thông báo",
    ],
    "th": [
        "เข้าสู่ระบบไม่ได้",
        "ยอดเงินในใบแจ้งหนี้ไม่ถูกต้อง",
        "ยังไม่ได้รับเงินคืน",
        "พัสดุส่งช้ามาก",
        "แอปค้างเมื่อเปิดหน้าตั้งค่า",
        "จะเปลี่ยนรหัสผ่านได้อย่างไร",
        "บัตรเครดิตถูกปฏิเสธ",
        "ต้องการยกเลิกการสมัครสมาชิก",
        "ส่งออกรายงานแล้วไฟล์ว่างเปล่า",
        "ได้รับสินค้าผิดรายการ",
        "สอบถามเรื่องแพ็กเกจพรีเมียม",
        "ไม่ได้รับการแจ้งเตือนอีกแล้ว",
    ],
    "pl": [
        "Nie mogę zalogować się na konto",
        "Kwota na fakturze jest błędna",
        "Nie otrzymałem zwrotu pieniędzy",
        "Przesyłka znowu się spóźnia",
        "Aplikacja zawiesza się w ustawieniach",
        "Jak zmienić hasło?",
        "Płatność kartą została odrzucona",
        "Proszę o anulowanie subskrypcji",
        "Eksport do pliku daje pusty plik",
        "W paczce był zły produkt",
        "Pytanie o pakiet premium",
        "Przestały przychodzić powiadomienia",
    ],
}

SENTENCES = {
    "en": [
        "I tried again this morning and it still does not work.",
        "My order number is in the attachment.",
        "Could you please check what happened?",
        "This is the third time I am writing about this.",
        "The error message says something about a timeout.",
        "I am using the latest version of the app on Android.",
        "Thank you for the quick answer yesterday.",
        "Please call me back when you have a moment.",
        "Our whole team is affected, not only me.",
        "I restarted the router but nothing changed.",
    ],
    "vi": [
        "Sáng nay tôi đã thử lại nhưng vẫn không được.",
        "Mã đơn hàng của tôi nằm trong tệp đính kèm.",
        "Nhờ anh chị kiểm tra giúp chuyện gì đã xảy ra.",
        "Đây là lần thứ ba tôi viết thư về việc này.",
        "Thông báo lỗi nói về việc hết thời gian chờ.",
        "Tôi đang dùng phiên bản mới nhất trên điện thoại.",
        "Cảm ơn anh chị đã trả lời nhanh hôm qua.",
        "Vui lòng gọi lại cho tôi khi rảnh.",
        "Cả nhóm của chúng tôi đều bị ảnh hưởng.",
        "Tôi đã khởi động lại bộ định tuyến nhưng không có gì thay đổi.",
    ],
    "th": [
        "เช้านี้ลองใหม่อีกครั้งแล้วแต่ก็ยังใช้ไม่ได้",
        "หมายเลขคำสั่งซื้ออยู่ในไฟล์แนบ",
        "รบกวนช่วยตรวจสอบให้หน่อยว่าเกิดอะไรขึ้น",
        "นี่เป็นครั้งที่สามแล้วที่เขียนมาเรื่องนี้",
        "ข้อความแสดงข้อผิดพลาดบอกว่าหมดเวลา",
        "ใช้แอปเวอร์ชันล่าสุดบนโทรศัพท์",
        "ขอบคุณที่ตอบกลับอย่างรวดเร็วเมื่อวานนี้",
        "กรุณาโทรกลับเมื่อสะดวก",
        "ทั้งทีมได้รับผลกระทบ ไม่ใช่แค่ฉันคนเดียว",
        "รีสตาร์ทเราเตอร์แล้วแต่ไม่มีอะไรเปลี่ยนแปลง",
    ],
    "pl": [
        "Spróbowałem ponownie dziś rano i nadal nie działa.",
        "Numer zamówienia jest w załączniku.",
        "Czy mogą Państwo sprawdzić, co się stało?",
        "Piszę w tej sprawie już trzeci raz.",
        "Komunikat błędu mówi coś o przekroczeniu czasu.",
        "Używam najnowszej wersji aplikacji na telefonie.",
        "Dziękuję za szybką odpowiedź wczoraj.",
        "Proszę o telefon, gdy znajdą Państwo chwilę.",
        "Problem dotyczy całego zespołu, nie tylko mnie.",
        "Zrestartowałem router, ale nic się nie zmieniło.",
    ],
}

AGENT_SENTENCES = {
    "en": [
        "Thank you for contacting us.",
        "I have forwarded this to our billing team.",
        "Could you send us a screenshot of the error?",
        "The refund was issued today and should arrive within five days.",
        "We have fixed the problem; please try again.",
    ],
    "vi": [
        "Cảm ơn anh chị đã liên hệ với chúng tôi.",
        "Tôi đã chuyển yêu cầu này cho bộ phận kế toán.",
        "Anh chị có thể gửi ảnh chụp màn hình lỗi không?",
        "Tiền hoàn lại đã được chuyển hôm nay.",
        "Chúng tôi đã sửa lỗi, anh chị vui lòng thử lại.",
    ],
    "th": [
        "ขอบคุณที่ติดต่อเรา",
        "ได้ส่งเรื่องต่อให้ฝ่ายบัญชีแล้ว",
        "รบกวนส่งภาพหน้าจอของข้อผิดพลาดมาด้วย",
        "ได้โอนเงินคืนแล้ววันนี้",
        "เราแก้ไขปัญหาแล้ว กรุณาลองอีกครั้ง",
    ],
    "pl": [
        "Dziękujemy za kontakt.",
        "Przekazałem sprawę do działu rozliczeń.",
        "Czy mogą Państwo przesłać zrzut ekranu błędu?",
        "Zwrot został dziś zlecony.",
        "Naprawiliśmy problem, proszę spróbować ponownie.",
    ],
}

FIRST_NAMES = {
    "en": ["James", "Emily", "Oliver", "Sophie", "Daniel", "Grace", "Henry", "Chloe"],
    "vi": ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thu Hà", "Vũ Đức Long"],
    "th": ["สมชาย ใจดี", "สุดา รักไทย", "ประเสริฐ ทองดี", "มาลี ศรีสุข", "วิชัย แก้วมณี", "นภา บุญมา"],
    "pl": ["Agnieszka Nowak", "Łukasz Wiśniewski", "Małgorzata Wójcik", "Paweł Kamiński", "Zofia Lewandowska", "Grzegorz Zieliński"],
}

LAST_NAMES_EN = ["Smith", "Brown", "Taylor", "Wilson", "Clarke", "Walker"]

ORG_WORDS = {
    "en": ["Northwind", "Bluebird", "Acme", "Riverside", "Summit"],
    "vi": ["Công ty Sao Mai", "Công ty Hòa Phát", "Công ty Bình Minh", "Công ty Thành Công"],
    "th": ["บริษัท สยามพัฒนา", "บริษัท รุ่งเรือง", "บริษัท ไทยเจริญ", "บริษัท ศรีสยาม"],
    "pl": ["Zakład Pol-Bud", "Spółka Wisła", "Firma Kraków-Tech", "Spółdzielnia Łąka"],
}

DEPARTMENTS = [
    ("Billing", "billing@example.com"),
    ("Technical support", "support@example.com"),
    ("Sales", "sales@example.com"),
    ("Hỗ trợ Việt Nam", "hotro@example.vn"),
    ("ฝ่ายบริการลูกค้า", "service@example.co.th"),
    ("Obsługa klienta", "obsluga@example.pl"),
]

TAGS = [
    "billing", "refund", "login", "bug", "feature-request", "vip", "urgent", "mobile",
    "android", "ios", "shipping", "invoice", "password", "api", "outage", "spam-suspect",
    "hoàn-tiền", "hóa-đơn", "giao-hàng", "ด่วน", "คืนเงิน", "จัดส่ง", "faktura", "zwrot",
    "dostawa", "reklamacja", "newsletter", "partner", "onboarding", "churn-risk",
]


def person_name(rng: random.Random, language: str) -> str:
    first = rng.choice(FIRST_NAMES[language])
    return f"{first} {rng.choice(LAST_NAMES_EN)}" if language == "en" else first


def subject_pool(rng: random.Random, language: str, size: int) -> list[str]:
    """Varied subjects: a phrase, sometimes an order reference; 1% carry the search word."""
    pool = []
    for i in range(size):
        text = rng.choice(SUBJECTS[language])
        if rng.random() < 0.4:
            text = f"{text} (#{rng.randint(10000, 99999)})"
        if i % 100 == 37:
            text = f"{text} - {SEARCH_WORDS[language]}"
        pool.append(text)
    return pool


def body_pool(rng: random.Random, sentences: list[str], size: int) -> list[str]:
    return [" ".join(rng.sample(sentences, rng.randint(2, 4))) for _ in range(size)]
