# ruff: noqa: RUF001 - en dashes in number ranges are how these languages are typeset.
"""What the demo desk talks about: support conversations in English, Vietnamese, Thai and Polish.

Pure data (no Django imports) so it can be checked without a database. Texts are templates:

- ``{first}``: the customer's given name; ``{org}``: their organisation; ``{ref}``: an order,
  account or asset number; ``{ac}``: how a Vietnamese agent addresses the customer (anh/chị);
- ``{p}``/``{pq}``: the Thai polite particle of the *agent* writing (ครับ, or ค่ะ/คะ);
  ``{cp}``/``{cpq}``: the same for the *customer* writing.

Polish customer texts avoid gendered past-tense verbs, so any requester can say them.
Follow-ups alternate agent, customer, agent, ...; a conversation whose last follow-up is the
agent's ends the problem, one that ends with the customer needs a closing reply from the pool.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Language = Literal["en", "vi", "th", "pl"]
LANGUAGES: tuple[Language, ...] = ("en", "vi", "th", "pl")
Gender = Literal["f", "m"]


@dataclass(frozen=True)
class Conversation:
    subject: str
    opening: str
    follow_ups: tuple[str, ...] = ()
    note: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    key: str
    department: str  # a key of DEPARTMENTS
    type: str  # a TicketType value
    priority: str  # a Priority value
    channels: tuple[str, ...]  # the channels this kind of request plausibly arrives through
    audience: Literal["business", "consumer"]
    conversations: Mapping[Language, Conversation]
    weight: int = 2
    # Key of the PROBLEMS entry whose root cause this scenario's incidents share.
    problem: str = ""


@dataclass(frozen=True)
class ProblemText:
    subject: str
    note: str


@dataclass(frozen=True)
class Problem:
    key: str
    texts: Mapping[Language, ProblemText]


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

WRONG_ITEM = Scenario(
    key="wrong_item",
    department="support",
    type="incident",
    priority="normal",
    channels=("email", "web_form", "chat", "facebook", "line", "portal"),
    audience="consumer",
    weight=3,
    conversations={
        "en": Conversation(
            subject="Wrong size delivered for order #{ref}",
            opening=(
                "Hello, my order #{ref} arrived this morning, but the trainers inside are a size 42 "
                "and I ordered a 44. The label on the box says 44, oddly enough. Could you send the "
                "right pair? I'd really like to have them before the weekend."
            ),
            follow_ups=(
                "Hi {first}, I'm sorry about the mix-up: the warehouse put the wrong pair into a "
                "correctly labelled box. I've sent a size 44 by express courier today, and the "
                "driver will collect the size 42 when they deliver. You don't need to print anything.",
                "That's great, thank you. Do I need to pack them back into the original box?",
                "Any box or bag is fine, {first}; the courier brings a returns bag too. I'll mark "
                "this as solved. If the new pair hasn't arrived by Friday, just reply here.",
            ),
            note="Second mis-pick from the Midlands warehouse this week. Flagged to the logistics lead.",
            tags=("order", "wrong item", "exchange"),
        ),
        "vi": Conversation(
            subject="Giao nhầm size cho đơn hàng #{ref}",
            opening=(
                "Chào shop, đơn hàng #{ref} của mình giao sáng nay nhưng đôi giày bên trong là size 38, "
                "trong khi mình đặt size 39. Nhãn trên hộp vẫn ghi 39. Shop đổi giúp mình đôi đúng size "
                "nhé, mình cần trước cuối tuần."
            ),
            follow_ups=(
                "Chào {ac} {first}, bên em thành thật xin lỗi vì sự nhầm lẫn này: kho đã đóng nhầm sản "
                "phẩm vào hộp. Em đã gửi hỏa tốc đôi size 39 trong hôm nay, shipper sẽ thu lại đôi size 38 "
                "khi giao hàng, {ac} không phải trả thêm phí gì ạ.",
                "Cảm ơn em. Mình có cần bỏ giày lại vào hộp cũ không?",
                "Dạ không cần ạ, shipper sẽ mang theo túi đóng gói. Em xin phép đóng yêu cầu này; nếu đến "
                "thứ Sáu chưa nhận được hàng, {ac} cứ trả lời email này là em kiểm tra ngay.",
            ),
            note="Kho Bình Dương đóng nhầm hàng lần thứ hai trong tuần, đã báo trưởng kho.",
            tags=("đơn hàng", "giao nhầm", "đổi hàng"),
        ),
        "th": Conversation(
            subject="ได้รับสินค้าผิดไซซ์ คำสั่งซื้อ #{ref}",
            opening=(
                "สวัสดี{cp} ได้รับพัสดุคำสั่งซื้อ #{ref} เมื่อเช้านี้ แต่รองเท้าในกล่องเป็นไซซ์ 38 "
                "ส่วนที่สั่งไปคือไซซ์ 39 ที่กล่องก็เขียนว่า 39 รบกวนช่วยเปลี่ยนให้หน่อยได้ไหม{cpq} "
                "อยากได้ก่อนวันเสาร์{cp}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ต้องขออภัยเป็นอย่างสูง{p} คลังสินค้าแพ็กรองเท้าผิดคู่ลงในกล่อง "
                "ได้ส่งไซซ์ 39 แบบด่วนให้แล้ววันนี้ และพนักงานขนส่งจะรับคู่ไซซ์ 38 คืนตอนส่งของ "
                "ไม่มีค่าใช้จ่ายเพิ่มเติม{p}",
                "ขอบคุณ{cp} ต้องใส่กล่องเดิมส่งคืนไหม{cpq}",
                "ไม่จำเป็น{p} พนักงานจะนำถุงสำหรับส่งคืนไปด้วย ขออนุญาตปิดเรื่องนี้ "
                "หากไม่ได้รับสินค้าภายในวันศุกร์ ตอบกลับข้อความนี้ได้เลย{p}",
            ),
            note="คลังบางนาแพ็กสินค้าผิดเป็นครั้งที่สองในสัปดาห์นี้ แจ้งหัวหน้าคลังแล้ว",
            tags=("คำสั่งซื้อ", "ส่งผิด", "เปลี่ยนสินค้า"),
        ),
        "pl": Conversation(
            subject="Zły rozmiar w zamówieniu #{ref}",
            opening=(
                "Dzień dobry, zamówienie #{ref} dotarło dziś rano, ale w pudełku są buty w rozmiarze 38 "
                "zamiast 39. Na etykiecie pudełka jest 39. Czy można je wymienić na właściwy rozmiar "
                "jeszcze przed weekendem?"
            ),
            follow_ups=(
                "Dzień dobry, bardzo przepraszamy za pomyłkę: magazyn włożył niewłaściwą parę do "
                "poprawnie opisanego pudełka. Rozmiar 39 wysłaliśmy dziś ekspresowo, a kurier przy "
                "doręczeniu odbierze parę w rozmiarze 38. Nie trzeba niczego drukować.",
                "Świetnie, dziękuję. Czy buty trzeba zapakować do oryginalnego pudełka?",
                "Wystarczy dowolne opakowanie, kurier przywiezie też torbę zwrotną. Zamykamy "
                "zgłoszenie; gdyby nowa para nie dotarła do piątku, prosimy o odpowiedź na tę wiadomość.",
            ),
            note="Druga pomyłka magazynu w Strykowie w tym tygodniu. Zgłoszone kierownikowi logistyki.",
            tags=("zamówienie", "wymiana"),
        ),
    },
)

REFUND_DELAY = Scenario(
    key="refund_delay",
    department="billing",
    type="service_request",
    priority="normal",
    channels=("email", "web_form", "portal", "chat", "facebook", "line"),
    audience="consumer",
    weight=3,
    conversations={
        "en": Conversation(
            subject="Refund for returned order #{ref} not received",
            opening=(
                "Hi, I sent back order #{ref} two weeks ago and the tracking shows you received it "
                "on the 3rd. Your site says refunds take 5 to 7 working days, but nothing has reached "
                "my card yet. Could you check what's going on?"
            ),
            follow_ups=(
                "Hi {first}, thanks for your patience. The return was checked in, but the refund was "
                "held because the parcel arrived without its returns slip. I've released it now and it "
                "went back to your card today; banks usually take 3 to 5 working days to show it.",
                "OK, thanks. Can you give me some reference in case my bank asks?",
                "Of course: the refund reference is RF-{ref}. I'm closing this ticket for now; reply "
                "here if the money hasn't arrived by next Friday.",
            ),
            note="Returns slip missing at check-in. The warehouse shouldn't hold refunds for that; raised with the returns team.",
            tags=("refund", "return"),
        ),
        "vi": Conversation(
            subject="Chưa nhận được tiền hoàn cho đơn #{ref}",
            opening=(
                "Chào shop, mình đã gửi trả đơn hàng #{ref} hai tuần trước, mã vận đơn cho thấy kho đã "
                "nhận hàng. Website ghi hoàn tiền trong 5–7 ngày làm việc nhưng đến giờ tài khoản mình "
                "vẫn chưa nhận được. Nhờ shop kiểm tra giúp."
            ),
            follow_ups=(
                "Chào {ac} {first}, cảm ơn {ac} đã kiên nhẫn chờ. Kho đã nhận hàng trả, nhưng khoản hoàn "
                "tiền bị treo vì kiện hàng thiếu phiếu đổi trả. Em đã duyệt lại và lệnh hoàn tiền về "
                "tài khoản Vietcombank của {ac} đã được tạo hôm nay, ngân hàng thường mất 3–5 ngày làm "
                "việc để ghi nhận.",
                "Cảm ơn em. Em gửi giúp mình mã giao dịch để mình hỏi ngân hàng nếu cần nhé.",
                "Dạ, mã hoàn tiền là RF-{ref}. Em xin phép đóng yêu cầu; nếu đến thứ Sáu tuần sau vẫn "
                "chưa nhận được tiền, {ac} chỉ cần trả lời email này ạ.",
            ),
            note="Kho chặn hoàn tiền vì thiếu phiếu đổi trả, không đúng quy trình. Đã báo bộ phận đổi trả.",
            tags=("hoàn tiền", "đổi trả"),
        ),
        "th": Conversation(
            subject="ยังไม่ได้รับเงินคืน คำสั่งซื้อ #{ref}",
            opening=(
                "สวัสดี{cp} ส่งสินค้าคืนของคำสั่งซื้อ #{ref} ไปตั้งแต่สองสัปดาห์ก่อน เลขพัสดุแสดงว่าทางร้าน"
                "ได้รับแล้ว แต่ยังไม่ได้รับเงินคืนเข้าบัญชีเลย รบกวนช่วยตรวจสอบให้หน่อยได้ไหม{cpq}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ขออภัยที่ทำให้รอนาน{p} คลังได้รับสินค้าคืนแล้ว แต่การคืนเงินถูกระงับไว้"
                "เพราะพัสดุไม่มีใบแจ้งคืนสินค้าแนบมา วันนี้ได้อนุมัติการคืนเงินเข้าบัญชีกสิกรไทยของคุณแล้ว "
                "โดยปกติธนาคารใช้เวลา 3–5 วันทำการ{p}",
                "ขอบคุณ{cp} ขอเลขอ้างอิงการคืนเงินไว้เผื่อต้องสอบถามธนาคารได้ไหม{cpq}",
                "เลขอ้างอิงคือ RF-{ref} {p} ขออนุญาตปิดเรื่องนี้ก่อน หากภายในวันศุกร์หน้ายังไม่ได้รับเงิน "
                "ตอบกลับข้อความนี้ได้เลย{p}",
            ),
            note="คลังระงับการคืนเงินเพราะไม่มีใบแจ้งคืน ซึ่งไม่ตรงตามขั้นตอน แจ้งทีมรับคืนสินค้าแล้ว",
            tags=("คืนเงิน", "คืนสินค้า"),
        ),
        "pl": Conversation(
            subject="Brak zwrotu pieniędzy za zamówienie #{ref}",
            opening=(
                "Dzień dobry, zamówienie #{ref} zostało odesłane dwa tygodnie temu i według śledzenia "
                "przesyłki dotarło do Państwa magazynu. Regulamin mówi o zwrocie w ciągu 14 dni, ale na "
                "koncie wciąż nic nie ma. Proszę o sprawdzenie, co się dzieje."
            ),
            follow_ups=(
                "Dzień dobry, dziękujemy za cierpliwość. Zwrot został przyjęty na magazyn, ale płatność "
                "wstrzymano, bo w paczce zabrakło formularza zwrotu. Dziś ją odblokowaliśmy i środki "
                "wróciły na kartę, którą opłacono zamówienie. Bank zwykle księguje je w 3–5 dni roboczych.",
                "Dziękuję. Czy mogę prosić o numer referencyjny zwrotu, na wypadek pytań z banku?",
                "Oczywiście, numer zwrotu to RF-{ref}. Zamykamy zgłoszenie; jeśli do przyszłego piątku "
                "pieniądze nie pojawią się na koncie, wystarczy odpowiedzieć na tę wiadomość.",
            ),
            note="Magazyn blokuje zwroty z powodu braku formularza, niezgodnie z procedurą. Zgłoszone do działu zwrotów.",
            tags=("zwrot", "płatności"),
        ),
    },
)

ISP_OUTAGE = Scenario(
    key="isp_outage",
    department="support",
    type="incident",
    priority="high",
    channels=("phone", "chat", "facebook", "line", "sms", "email", "telegram"),
    audience="consumer",
    weight=3,
    problem="isp_node",
    conversations={
        "en": Conversation(
            subject="No internet since this morning",
            opening=(
                "Our fibre connection has been down since about 7 am. The light on the router is "
                "blinking red and restarting it didn't help. We both work from home, so this is "
                "urgent. Customer number {ref}."
            ),
            follow_ups=(
                "Hi {first}, thanks for the details. There's a confirmed fault at the distribution node "
                "serving your street and our field team is on site. We expect service back within four "
                "hours. No need to restart the router again: it will reconnect by itself.",
                "It's back now, thanks. Will we get anything off the bill for the downtime?",
                "Glad it's working, {first}. Yes: the outage lasted more than four hours, so a credit "
                "is applied automatically to next month's invoice. I'll close this ticket now.",
            ),
            note="Node D-14 again, third power failure this month. Linked to the problem ticket.",
            tags=("outage", "fibre"),
        ),
        "vi": Conversation(
            subject="Mất mạng internet từ sáng nay",
            opening=(
                "Nhà mình mất mạng cáp quang từ khoảng 7 giờ sáng. Đèn LOS trên modem nhấp nháy đỏ, đã "
                "khởi động lại mà không được. Cả nhà đều làm việc online nên rất gấp. Mã khách hàng: {ref}."
            ),
            follow_ups=(
                "Chào {ac} {first}, em đã kiểm tra: trạm phân phối khu vực nhà {ac} đang gặp sự cố, đội kỹ "
                "thuật đã có mặt tại hiện trường. Dự kiến mạng sẽ có lại trong vòng 4 tiếng. Modem sẽ tự "
                "kết nối lại, {ac} không cần khởi động lại nữa ạ.",
                "Có mạng lại rồi em ơi, cảm ơn em. Thời gian mất mạng có được trừ vào cước không?",
                "Dạ có ạ: sự cố kéo dài hơn 4 tiếng nên hệ thống sẽ tự động giảm trừ vào hóa đơn tháng "
                "sau. Em xin phép đóng yêu cầu tại đây.",
            ),
            note="Lại là trạm D-14, lần mất điện thứ ba trong tháng. Đã liên kết với ticket problem.",
            tags=("mất mạng", "cáp quang"),
        ),
        "th": Conversation(
            subject="อินเทอร์เน็ตใช้ไม่ได้ตั้งแต่เช้า",
            opening=(
                "อินเทอร์เน็ตไฟเบอร์ที่บ้านใช้ไม่ได้ตั้งแต่ประมาณ 7 โมงเช้า{cp} ไฟ LOS ที่เราเตอร์กะพริบสีแดง "
                "ลองรีสตาร์ทแล้วก็ไม่หาย ที่บ้านทำงานออนไลน์กันทั้งคู่ เลยค่อนข้างด่วน{cp} หมายเลขลูกค้า {ref}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ตรวจสอบแล้วพบว่าอุปกรณ์กระจายสัญญาณในพื้นที่ของคุณขัดข้อง ทีมช่างกำลังแก้ไข"
                "อยู่หน้างาน คาดว่าจะใช้งานได้ภายใน 4 ชั่วโมง{p} ไม่ต้องรีสตาร์ทเราเตอร์อีก "
                "เราเตอร์จะเชื่อมต่อใหม่เอง{p}",
                "ใช้ได้แล้ว{cp} ขอบคุณ{cp} ช่วงที่เน็ตล่มจะได้ส่วนลดค่าบริการไหม{cpq}",
                "ดีใจที่ใช้งานได้แล้ว{p} เนื่องจากเหตุขัดข้องนานเกิน 4 ชั่วโมง ระบบจะหักส่วนลดให้อัตโนมัติ"
                "ในใบแจ้งหนี้เดือนหน้า ขออนุญาตปิดเรื่องนี้{p}",
            ),
            note="โหนด D-14 อีกแล้ว ไฟดับครั้งที่สามในเดือนนี้ เชื่อมกับตั๋ว problem แล้ว",
            tags=("เน็ตล่ม", "ไฟเบอร์"),
        ),
        "pl": Conversation(
            subject="Brak internetu od rana",
            opening=(
                "Dzień dobry, od około 7 rano nie działa nam światłowód. Dioda na routerze miga na "
                "czerwono, restart nic nie dał. Oboje pracujemy zdalnie, więc sprawa jest pilna. "
                "Numer klienta: {ref}."
            ),
            follow_ups=(
                "Dzień dobry, potwierdzamy awarię węzła obsługującego Państwa ulicę. Ekipa techniczna "
                "jest już na miejscu, usunięcie usterki przewidujemy w ciągu 4 godzin. Nie trzeba "
                "ponownie restartować routera, połączy się sam.",
                "Już działa, dziękuję. Czy za czas awarii należy się jakaś rekompensata?",
                "Cieszymy się, że wszystko działa. Tak: awaria trwała ponad 4 godziny, więc obniżka "
                "zostanie naliczona automatycznie na następnej fakturze. Zamykamy zgłoszenie.",
            ),
            note="Znowu węzeł D-14, trzecia awaria zasilania w tym miesiącu. Podpięte pod zgłoszenie problemowe.",
            tags=("awaria", "światłowód"),
        ),
    },
)

APP_CRASH = Scenario(
    key="app_crash",
    department="support",
    type="incident",
    priority="high",
    channels=("email", "web_form", "portal", "chat", "telegram"),
    audience="consumer",
    weight=3,
    problem="app_release",
    conversations={
        "en": Conversation(
            subject="App crashes on login after the latest update",
            opening=(
                "Since updating the mobile app this morning (version 5.2.0) it closes as soon as I "
                "enter my PIN. I'm on a Samsung Galaxy A54 with Android 14. Reinstalling didn't help, "
                "and now I can't check my orders at all."
            ),
            follow_ups=(
                "Hi {first}, thank you for such a precise report. We've reproduced the crash on "
                "Android 14 phones where fingerprint login is switched off, and a fix is in review. "
                "Meanwhile you can log in on our website. Could you confirm whether you use fingerprint login?",
                "No, fingerprint is off. I'll use the website for now.",
                "Thanks for confirming. Version 5.2.1 with the fix is now in Google Play; after "
                "updating, login works again. I'm marking this as solved, but do write back if it still crashes.",
            ),
            note="Matches the crash cluster in Crashlytics (NullPointerException in PinLoginFragment). Linked to the problem ticket.",
            tags=("android", "bug", "login"),
        ),
        "vi": Conversation(
            subject="Ứng dụng bị văng ra khi đăng nhập sau bản cập nhật mới",
            opening=(
                "Từ sáng nay sau khi cập nhật ứng dụng lên phiên bản 5.2.0, cứ nhập mã PIN xong là app tự "
                "thoát. Mình dùng Samsung Galaxy A54, Android 14. Đã gỡ ra cài lại nhưng vẫn bị, giờ "
                "mình không xem được đơn hàng nào cả."
            ),
            follow_ups=(
                "Chào {ac} {first}, cảm ơn {ac} đã mô tả rất chi tiết. Bên em đã tái hiện được lỗi trên các "
                "máy Android 14 không bật đăng nhập bằng vân tay, bản sửa đang được kiểm tra. Trong lúc "
                "chờ, {ac} có thể đăng nhập trên website. Cho em hỏi {ac} có dùng đăng nhập bằng vân tay không ạ?",
                "Mình không bật vân tay. Tạm thời mình dùng website vậy.",
                "Em cảm ơn {ac}. Phiên bản 5.2.1 đã có trên Google Play, sau khi cập nhật {ac} sẽ đăng nhập "
                "bình thường. Em xin phép đóng yêu cầu; nếu app vẫn văng, {ac} cứ phản hồi lại cho em nhé.",
            ),
            note="Trùng với nhóm crash trên Crashlytics (NullPointerException ở PinLoginFragment). Đã liên kết ticket problem.",
            tags=("android", "lỗi ứng dụng", "đăng nhập"),
        ),
        "th": Conversation(
            subject="แอปเด้งออกตอนล็อกอินหลังอัปเดตล่าสุด",
            opening=(
                "ตั้งแต่อัปเดตแอปเป็นเวอร์ชัน 5.2.0 เมื่อเช้า พอใส่รหัส PIN เสร็จแอปก็ปิดตัวเองทันที{cp} "
                "ใช้ Samsung Galaxy A54 ระบบ Android 14 ลองลบแล้วติดตั้งใหม่ก็ยังเป็นเหมือนเดิม "
                "ตอนนี้เช็กคำสั่งซื้อไม่ได้เลย{cp}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ขอบคุณสำหรับรายละเอียดที่ชัดเจนมาก{p} ทีมเราพบปัญหานี้ในเครื่อง Android 14 "
                "ที่ไม่ได้เปิดล็อกอินด้วยลายนิ้วมือ และกำลังทดสอบตัวแก้ไขอยู่ ระหว่างนี้เข้าใช้งานผ่าน"
                "เว็บไซต์ได้{p} ขอสอบถามว่าคุณเปิดใช้การล็อกอินด้วยลายนิ้วมือหรือไม่{pq}",
                "ไม่ได้เปิด{cp} ตอนนี้ใช้ผ่านเว็บไปก่อน",
                "ขอบคุณที่ยืนยัน{p} ตอนนี้เวอร์ชัน 5.2.1 ที่แก้ปัญหาแล้วมีใน Google Play หลังอัปเดตจะล็อกอิน"
                "ได้ตามปกติ ขออนุญาตปิดเรื่องนี้ หากยังเด้งออกอีก แจ้งกลับมาได้เลย{p}",
            ),
            note="ตรงกับกลุ่ม crash ใน Crashlytics (NullPointerException ใน PinLoginFragment) เชื่อมกับตั๋ว problem แล้ว",
            tags=("android", "บั๊ก", "ล็อกอิน"),
        ),
        "pl": Conversation(
            subject="Aplikacja zamyka się przy logowaniu po aktualizacji",
            opening=(
                "Dzień dobry, od porannej aktualizacji do wersji 5.2.0 aplikacja zamyka się zaraz po "
                "wpisaniu PIN-u. Telefon: Samsung Galaxy A54, Android 14. Ponowna instalacja nie pomaga "
                "i nie da się sprawdzić żadnego zamówienia."
            ),
            follow_ups=(
                "Dzień dobry, dziękujemy za dokładny opis. Odtworzyliśmy błąd na telefonach z Androidem 14, "
                "na których logowanie odciskiem palca jest wyłączone; poprawka jest w testach. Do tego "
                "czasu można logować się przez stronę internetową. Czy logowanie odciskiem palca jest u Państwa włączone?",
                "Nie, odcisk palca jest wyłączony. Na razie korzystam ze strony.",
                "Dziękujemy za potwierdzenie. Wersja 5.2.1 z poprawką jest już w Google Play i po "
                "aktualizacji logowanie działa. Oznaczamy zgłoszenie jako rozwiązane; gdyby aplikacja "
                "nadal się zamykała, prosimy o odpowiedź.",
            ),
            note="Pasuje do grupy crashy w Crashlytics (NullPointerException w PinLoginFragment). Podpięte pod zgłoszenie problemowe.",
            tags=("android", "błąd", "logowanie"),
        ),
    },
)

PASSWORD_RESET = Scenario(
    key="password_reset",
    department="it",
    type="service_request",
    priority="normal",
    channels=("email", "phone", "portal", "chat"),
    audience="business",
    weight=3,
    conversations={
        "en": Conversation(
            subject="Locked out of my Windows account",
            opening=(
                "Hi IT, I typed my password wrong too many times after the weekend and now my laptop "
                "says the account is locked. I have a client call at 11. Laptop asset tag: IT-{ref}."
            ),
            follow_ups=(
                "Hi {first}, I've unlocked the account and set a temporary password, which will reach "
                "your mobile by text in a minute. You'll be asked to choose a new one at first login "
                "(at least 12 characters).",
                "Got it, I'm back in. Thanks for the quick help!",
                "Great! If everything works, please close this ticket in the portal.",
            ),
            note="Lockout came from an old phone still syncing mail with the previous password. Asked the user to update it.",
            tags=("password", "account lockout"),
        ),
        "vi": Conversation(
            subject="Tài khoản Windows bị khóa",
            opening=(
                "Chào IT, sau kỳ nghỉ mình nhập sai mật khẩu nhiều lần nên giờ máy báo tài khoản bị khóa. "
                "11 giờ mình có cuộc họp với khách hàng. Mã tài sản laptop: IT-{ref}."
            ),
            follow_ups=(
                "Chào {ac} {first}, em đã mở khóa tài khoản và đặt mật khẩu tạm thời, em sẽ gửi qua SMS vào "
                "số di động của {ac} ngay. Lần đăng nhập đầu tiên hệ thống sẽ yêu cầu đổi mật khẩu mới, "
                "tối thiểu 12 ký tự.",
                "Mình vào được rồi, cảm ơn em nhiều!",
                "Dạ tốt quá ạ. Nếu mọi thứ đã ổn, nhờ {ac} đóng yêu cầu này trên cổng hỗ trợ giúp em nhé.",
            ),
            note="Nguyên nhân: điện thoại cũ vẫn đồng bộ email bằng mật khẩu cũ. Đã nhắc người dùng cập nhật.",
            tags=("mật khẩu", "khóa tài khoản"),
        ),
        "th": Conversation(
            subject="บัญชี Windows ถูกล็อก",
            opening=(
                "สวัสดี{cp} ฝ่ายไอที หลังวันหยุดใส่รหัสผ่านผิดหลายครั้ง ตอนนี้เครื่องขึ้นว่าบัญชีถูกล็อก "
                "11 โมงมีประชุมกับลูกค้า{cp} รหัสทรัพย์สินโน้ตบุ๊ก IT-{ref}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ปลดล็อกบัญชีและตั้งรหัสผ่านชั่วคราวให้แล้ว{p} จะส่งรหัสทาง SMS ไปที่เบอร์มือถือ"
                "ของคุณภายในไม่กี่นาที เมื่อเข้าสู่ระบบครั้งแรก ระบบจะให้ตั้งรหัสผ่านใหม่อย่างน้อย 12 ตัวอักษร{p}",
                "เข้าได้แล้ว{cp} ขอบคุณมาก{cp}",
                "ยินดี{p} หากทุกอย่างเรียบร้อยแล้ว รบกวนกดปิดเรื่องนี้ในพอร์ทัลด้วยนะ{pq}",
            ),
            note="สาเหตุคือมือถือเครื่องเก่ายังซิงก์อีเมลด้วยรหัสผ่านเดิม แจ้งผู้ใช้ให้อัปเดตแล้ว",
            tags=("รหัสผ่าน", "บัญชีถูกล็อก"),
        ),
        "pl": Conversation(
            subject="Zablokowane konto Windows",
            opening=(
                "Cześć, po weekendzie hasło zostało kilka razy wpisane błędnie i teraz laptop pokazuje, "
                "że konto jest zablokowane. O 11 jest spotkanie z klientem. Numer inwentarzowy laptopa: IT-{ref}."
            ),
            follow_ups=(
                "Cześć {first}, konto jest już odblokowane, a tymczasowe hasło za chwilę przyjdzie SMS-em "
                "na telefon służbowy. Przy pierwszym logowaniu system poprosi o nowe hasło (minimum 12 znaków).",
                "Działa, dzięki za szybką pomoc!",
                "Super. Jeśli wszystko jest w porządku, zamknij proszę zgłoszenie w portalu.",
            ),
            note="Przyczyna: stary telefon wciąż synchronizował pocztę starym hasłem. Poproszono o aktualizację.",
            tags=("hasło", "blokada konta"),
        ),
    },
)

VPN = Scenario(
    key="vpn",
    department="it",
    type="incident",
    priority="high",
    channels=("email", "phone", "chat", "telegram", "portal"),
    audience="business",
    conversations={
        "en": Conversation(
            subject="VPN disconnects every few minutes",
            opening=(
                "Working from home today and the VPN drops every 3 to 5 minutes, so Teams calls and "
                "the ERP keep freezing. My home internet is fine otherwise. I'm using the GlobalProtect "
                "client on my company laptop."
            ),
            follow_ups=(
                "Hi {first}, we replaced the VPN gateway certificate last night and some laptops kept the "
                "old one cached. Could you open GlobalProtect, go to Settings → Troubleshooting → Refresh "
                "connection, then reconnect? Let me know if it still drops.",
                "Done, it's been stable for half an hour now.",
                "Great, thanks for testing. I'll set the ticket to resolved; please close it in the "
                "portal if it stays fine for the rest of the day.",
            ),
            note="About 15 users hit by the stale gateway certificate. Added a refresh step to the rollout checklist.",
            tags=("vpn", "remote work"),
        ),
        "vi": Conversation(
            subject="VPN cứ vài phút lại mất kết nối",
            opening=(
                "Hôm nay mình làm việc ở nhà, VPN cứ 3–5 phút lại rớt nên họp Teams và phần mềm ERP bị "
                "treo liên tục. Mạng ở nhà vẫn bình thường. Mình dùng GlobalProtect trên laptop công ty."
            ),
            follow_ups=(
                "Chào {ac} {first}, tối qua bên em vừa thay chứng chỉ cho cổng VPN, một số máy vẫn lưu chứng "
                "chỉ cũ. Nhờ {ac} mở GlobalProtect, vào Settings → Troubleshooting → Refresh connection rồi "
                "kết nối lại giúp em. Nếu vẫn rớt thì báo em nhé.",
                "Làm xong rồi, nửa tiếng nay ổn định rồi em.",
                "Dạ tốt quá, cảm ơn {ac} đã thử. Em chuyển yêu cầu sang trạng thái đã xử lý; nếu cả ngày "
                "hôm nay ổn định, {ac} đóng yêu cầu trên cổng hỗ trợ giúp em nhé.",
            ),
            note="Khoảng 15 người dùng bị ảnh hưởng do chứng chỉ cổng VPN cũ. Đã bổ sung bước làm mới vào checklist triển khai.",
            tags=("vpn", "làm việc từ xa"),
        ),
        "th": Conversation(
            subject="VPN หลุดทุกไม่กี่นาที",
            opening=(
                "วันนี้ทำงานที่บ้าน VPN หลุดทุก 3–5 นาที ประชุม Teams กับโปรแกรม ERP ค้างตลอดเลย{cp} "
                "อินเทอร์เน็ตที่บ้านปกติดี ใช้ GlobalProtect บนโน้ตบุ๊กของบริษัท{cp}"
            ),
            follow_ups=(
                "เรียน คุณ{first} เมื่อคืนเราเปลี่ยนใบรับรองของเกตเวย์ VPN และบางเครื่องยังจำใบรับรองเก่าไว้{p} "
                "รบกวนเปิด GlobalProtect ไปที่ Settings → Troubleshooting → Refresh connection แล้วเชื่อมต่อใหม่ "
                "หากยังหลุดอยู่แจ้งได้เลย{p}",
                "ทำแล้ว{cp} ครึ่งชั่วโมงแล้วยังไม่หลุดเลย",
                "ดีมาก{p} ขอบคุณที่ช่วยทดสอบ จะปรับสถานะเป็นแก้ไขแล้ว หากวันนี้ใช้งานได้ปกติ "
                "รบกวนปิดเรื่องในพอร์ทัลด้วยนะ{pq}",
            ),
            note="ผู้ใช้ประมาณ 15 คนได้รับผลกระทบจากใบรับรองเกตเวย์เก่า เพิ่มขั้นตอนรีเฟรชในเช็กลิสต์แล้ว",
            tags=("vpn", "ทำงานที่บ้าน"),
        ),
        "pl": Conversation(
            subject="VPN rozłącza się co kilka minut",
            opening=(
                "Cześć, dziś praca z domu, a VPN zrywa się co 3–5 minut, więc spotkania w Teams i ERP "
                "ciągle się zawieszają. Domowy internet działa normalnie. Klient GlobalProtect na laptopie służbowym."
            ),
            follow_ups=(
                "Cześć {first}, wczoraj wieczorem wymieniliśmy certyfikat bramy VPN i część komputerów trzyma "
                "jeszcze stary. Otwórz proszę GlobalProtect, wejdź w Settings → Troubleshooting → Refresh "
                "connection i połącz się ponownie. Daj znać, czy nadal się rozłącza.",
                "Zrobione, od pół godziny działa stabilnie.",
                "Świetnie, dzięki za test. Oznaczam jako rozwiązane; jeśli do końca dnia wszystko będzie "
                "w porządku, zamknij proszę zgłoszenie w portalu.",
            ),
            note="Ok. 15 osób z nieaktualnym certyfikatem bramy. Krok odświeżenia dopisany do checklisty wdrożeń.",
            tags=("vpn", "praca zdalna"),
        ),
    },
)

PRINTER = Scenario(
    key="printer",
    department="it",
    type="incident",
    priority="low",
    channels=("email", "phone", "portal", "chat"),
    audience="business",
    conversations={
        "en": Conversation(
            subject="Printer on the 2nd floor shows 'offline'",
            opening=(
                "The HP printer next to the kitchen on the 2nd floor has shown as offline on everyone's "
                "laptop since yesterday. The display on the printer itself looks normal. We need it "
                "for contracts this afternoon."
            ),
            follow_ups=(
                "Hi {first}, the printer picked up a new IP address after last night's power cut, so "
                "the print queue still pointed at the old one. I've reserved its address in DHCP and "
                "fixed the queue on the print server; please try again now. Laptops may take a minute to notice.",
            ),
            note="DHCP reservation set for PRN-2F-01 so this doesn't repeat.",
            tags=("printer", "network"),
        ),
        "vi": Conversation(
            subject="Máy in tầng 2 báo 'offline'",
            opening=(
                "Máy in HP cạnh phòng pantry tầng 2 hiển thị offline trên laptop của mọi người từ hôm qua. "
                "Màn hình trên máy in vẫn bình thường. Chiều nay bên mình cần in hợp đồng gấp."
            ),
            follow_ups=(
                "Chào {ac} {first}, sau đợt cúp điện tối qua máy in nhận địa chỉ IP mới nên hàng đợi in vẫn "
                "trỏ vào địa chỉ cũ. Em đã cố định địa chỉ trên DHCP và cập nhật hàng đợi trên máy chủ in, "
                "{ac} thử in lại giúp em nhé. Laptop có thể cần khoảng một phút để nhận lại máy in.",
            ),
            note="Đã đặt DHCP reservation cho PRN-2F-01 để không lặp lại.",
            tags=("máy in", "mạng nội bộ"),
        ),
        "th": Conversation(
            subject="เครื่องพิมพ์ชั้น 2 ขึ้นสถานะ offline",
            opening=(
                "เครื่องพิมพ์ HP ข้างห้องแพนทรีชั้น 2 ขึ้นว่า offline ในโน้ตบุ๊กของทุกคนตั้งแต่เมื่อวาน{cp} "
                "หน้าจอที่ตัวเครื่องดูปกติดี บ่ายนี้ต้องพิมพ์สัญญาด่วน{cp}"
            ),
            follow_ups=(
                "เรียน คุณ{first} หลังไฟดับเมื่อคืน เครื่องพิมพ์ได้ IP ใหม่ คิวงานพิมพ์จึงยังชี้ไปที่ IP เดิม{p} "
                "ได้ล็อก IP ใน DHCP และแก้คิวบนเซิร์ฟเวอร์การพิมพ์แล้ว ลองสั่งพิมพ์ใหม่ได้เลย "
                "โน้ตบุ๊กอาจใช้เวลาประมาณหนึ่งนาทีในการเชื่อมต่อใหม่{p}",
            ),
            note="ตั้ง DHCP reservation ให้ PRN-2F-01 แล้ว กันไม่ให้เกิดซ้ำ",
            tags=("เครื่องพิมพ์", "เครือข่าย"),
        ),
        "pl": Conversation(
            subject="Drukarka na 2. piętrze pokazuje 'offline'",
            opening=(
                "Cześć, drukarka HP przy kuchni na drugim piętrze od wczoraj pokazuje się jako offline na "
                "wszystkich laptopach. Wyświetlacz na samej drukarce wygląda normalnie. Po południu musimy "
                "drukować umowy."
            ),
            follow_ups=(
                "Cześć {first}, po wczorajszym zaniku prądu drukarka dostała nowy adres IP, a kolejka "
                "wydruku wskazywała stary. Adres jest już zarezerwowany w DHCP, a kolejka na serwerze "
                "wydruku poprawiona, więc spróbuj teraz. Laptopy mogą potrzebować minuty, żeby to zauważyć.",
            ),
            note="Rezerwacja DHCP dla PRN-2F-01 ustawiona, żeby się nie powtórzyło.",
            tags=("drukarka", "sieć"),
        ),
    },
)

INVOICE_CORRECTION = Scenario(
    key="invoice_correction",
    department="billing",
    type="service_request",
    priority="low",
    channels=("email", "portal", "web_form"),
    audience="business",
    conversations={
        "en": Conversation(
            subject="Please correct the company details on invoice {ref}",
            opening=(
                "Hello, invoice INV-{ref} was issued to our old company name and has no VAT number on it, "
                "so our accounts team can't book it. It should be made out to {org}. Could you reissue it?"
            ),
            follow_ups=(
                "Hello {first}, thanks for letting us know. Could you send the VAT number exactly as "
                "registered? I'd like to avoid a second reissue.",
                "Sure: GB 284 5521 07.",
                "Thank you. The corrected invoice INV-{ref}-C has been issued and emailed to you, and the "
                "original was cancelled with a credit note, so nothing is due twice.",
            ),
            note="VAT number added to the customer record so future invoices are right.",
            tags=("invoice", "vat"),
        ),
        "vi": Conversation(
            subject="Đề nghị điều chỉnh thông tin trên hóa đơn {ref}",
            opening=(
                "Chào bộ phận kế toán, hóa đơn INV-{ref} đang ghi tên công ty cũ và thiếu mã số thuế nên bên "
                "mình không hạch toán được. Hóa đơn cần xuất cho {org}. Nhờ bên bạn xuất lại giúp."
            ),
            follow_ups=(
                "Chào {ac} {first}, {ac} vui lòng gửi giúp em mã số thuế chính xác theo giấy đăng ký kinh "
                "doanh để tránh phải điều chỉnh thêm lần nữa ạ.",
                "Mã số thuế: 0312456789.",
                "Em cảm ơn {ac}. Hóa đơn điều chỉnh INV-{ref}-DC đã được xuất và gửi qua email; hóa đơn cũ "
                "đã được hủy theo quy định nên không phát sinh thanh toán trùng.",
            ),
            note="Đã cập nhật mã số thuế vào hồ sơ khách hàng cho các hóa đơn sau.",
            tags=("hóa đơn", "mã số thuế"),
        ),
        "th": Conversation(
            subject="ขอแก้ไขข้อมูลในใบกำกับภาษี {ref}",
            opening=(
                "สวัสดี{cp} ใบกำกับภาษี INV-{ref} ออกในชื่อบริษัทเดิม และไม่มีเลขประจำตัวผู้เสียภาษี "
                "ฝ่ายบัญชีจึงบันทึกไม่ได้ ต้องออกในนาม {org} รบกวนออกใบใหม่ให้ด้วย{cp}"
            ),
            follow_ups=(
                "เรียน คุณ{first} รบกวนส่งเลขประจำตัวผู้เสียภาษี 13 หลักและสาขาตามที่จดทะเบียนไว้ "
                "เพื่อป้องกันการแก้ไขซ้ำ{p}",
                "เลขประจำตัวผู้เสียภาษี 0105561234567 สำนักงานใหญ่{cp}",
                "ขอบคุณ{p} ออกใบกำกับภาษีฉบับใหม่เลขที่ INV-{ref}-R และส่งทางอีเมลแล้ว ฉบับเดิมยกเลิกด้วย"
                "ใบลดหนี้เรียบร้อย จึงไม่มียอดเรียกเก็บซ้ำ{p}",
            ),
            note="อัปเดตเลขผู้เสียภาษีในข้อมูลลูกค้าแล้ว ใบกำกับครั้งต่อไปจะถูกต้อง",
            tags=("ใบกำกับภาษี", "บัญชี"),
        ),
        "pl": Conversation(
            subject="Korekta danych na fakturze {ref}",
            opening=(
                "Dzień dobry, faktura FV/{ref} została wystawiona na starą nazwę firmy i bez numeru NIP, "
                "przez co księgowość nie może jej zaksięgować. Nabywcą powinna być firma {org}. "
                "Proszę o wystawienie korekty."
            ),
            follow_ups=(
                "Dzień dobry, prosimy o podanie numeru NIP dokładnie tak, jak w rejestrze, żeby uniknąć "
                "kolejnej korekty.",
                "NIP: 526-104-82-17.",
                "Dziękujemy. Faktura korygująca FV/{ref}/K została wystawiona i wysłana e-mailem. Kwota do "
                "zapłaty się nie zmienia, więc nie trzeba niczego dopłacać.",
            ),
            note="NIP dopisany do kartoteki klienta, kolejne faktury będą poprawne.",
            tags=("faktura", "korekta"),
        ),
    },
)

DOUBLE_CHARGE = Scenario(
    key="double_charge",
    department="billing",
    type="incident",
    priority="high",
    channels=("email", "phone", "chat", "line", "facebook", "sms"),
    audience="consumer",
    conversations={
        "en": Conversation(
            subject="Charged twice for the same payment",
            opening=(
                "I paid my monthly bill of £42.50 yesterday and my banking app now shows two identical "
                "charges. I really can't have that money tied up. Account {ref}."
            ),
            follow_ups=(
                "Hi {first}, sorry for the worry. I can see two card authorisations: the first timed out "
                "on our side and the payment page retried. The duplicate was never captured, so your bank "
                "will release it, usually within 1 to 3 days. I've also asked our payment provider to void it now.",
                "The second charge disappeared this morning. Thanks.",
            ),
            note="Payment gateway timeout led to a duplicate authorisation. Known issue with retries on the old checkout page.",
            tags=("payment", "duplicate charge"),
        ),
        "vi": Conversation(
            subject="Bị trừ tiền hai lần cho cùng một lần thanh toán",
            opening=(
                "Hôm qua mình thanh toán cước tháng 350.000 ₫ và giờ ứng dụng ngân hàng hiện hai giao dịch "
                "giống hệt nhau. Nhờ bên bạn kiểm tra gấp giúp. Mã tài khoản {ref}."
            ),
            follow_ups=(
                "Chào {ac} {first}, em rất xin lỗi vì sự bất tiện. Em thấy có hai lần cấp phép thanh toán: lần "
                "đầu bị quá thời gian chờ phía hệ thống nên trang thanh toán tự thử lại. Giao dịch trùng không "
                "bị quyết toán, ngân hàng sẽ tự hoàn trong 1–3 ngày. Em cũng đã yêu cầu cổng thanh toán hủy "
                "ngay giao dịch này.",
                "Sáng nay giao dịch thứ hai đã biến mất rồi. Cảm ơn bạn.",
            ),
            note="Cổng thanh toán bị timeout dẫn đến cấp phép trùng. Lỗi đã biết ở trang thanh toán cũ.",
            tags=("thanh toán", "trừ tiền hai lần"),
        ),
        "th": Conversation(
            subject="ถูกตัดเงินซ้ำสองครั้ง",
            opening=(
                "เมื่อวานจ่ายค่าบริการรายเดือน 599 บาท แต่ตอนนี้แอปธนาคารแสดงรายการตัดเงินเหมือนกันสองรายการ{cp} "
                "ช่วยตรวจสอบด่วนด้วย{cp} หมายเลขบัญชี {ref}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ขออภัยในความไม่สะดวก{p} พบว่ามีการขออนุมัติบัตรสองครั้ง ครั้งแรกหมดเวลา"
                "ในระบบของเรา หน้าชำระเงินจึงลองใหม่อัตโนมัติ รายการซ้ำยังไม่ถูกเรียกเก็บจริง ธนาคารจะคืนวงเงิน"
                "ภายใน 1–3 วัน และได้แจ้งผู้ให้บริการชำระเงินให้ยกเลิกรายการแล้ว{p}",
                "รายการที่สองหายไปแล้วเมื่อเช้า ขอบคุณ{cp}",
            ),
            note="เกตเวย์ชำระเงิน timeout ทำให้อนุมัติซ้ำ เป็นปัญหาที่รู้อยู่แล้วของหน้าชำระเงินเก่า",
            tags=("ชำระเงิน", "ตัดเงินซ้ำ"),
        ),
        "pl": Conversation(
            subject="Podwójne obciążenie karty",
            opening=(
                "Dzień dobry, wczoraj opłacony został rachunek za ten miesiąc (89,99 zł), a w aplikacji "
                "banku widać dwie identyczne transakcje. Proszę o pilne wyjaśnienie. Numer klienta: {ref}."
            ),
            follow_ups=(
                "Dzień dobry, przepraszamy za kłopot. Widzimy dwie autoryzacje karty: pierwsza przekroczyła "
                "czas oczekiwania po naszej stronie i strona płatności ponowiła próbę. Druga transakcja nie "
                "została rozliczona, więc bank zwolni blokadę w ciągu 1–3 dni. Poprosiliśmy też operatora "
                "płatności o jej natychmiastowe anulowanie.",
                "Druga transakcja dziś rano zniknęła. Dziękuję.",
            ),
            note="Timeout bramki płatności i podwójna autoryzacja. Znany problem starej strony płatności.",
            tags=("płatność", "podwójne obciążenie"),
        ),
    },
)

ENROLMENT = Scenario(
    key="enrolment",
    department="admissions",
    type="question",
    priority="normal",
    channels=("email", "web_form", "facebook", "line", "phone"),
    audience="consumer",
    conversations={
        "en": Conversation(
            subject="Enrolment for Year 3 in September: which documents?",
            opening=(
                "Hello, we're moving to the area over the summer and would like to enrol our daughter in "
                "Year 3 from September. Which documents do you need, and is there still a place available?"
            ),
            follow_ups=(
                "Dear {first}, thank you for your interest in our school. We still have two places in "
                "Year 3. To apply, please send the completed application form, a copy of your daughter's "
                "birth certificate, her latest school report and proof of your new address. Would you "
                "like to book a visit as well?",
                "Yes please. Could we come on a Thursday afternoon?",
                "Of course. I've booked you in for Thursday at 3 pm with our Year 3 teacher, Mrs Hughes. "
                "The confirmation and the application form are in your inbox. We look forward to meeting you!",
            ),
            note="Family relocating from Manchester; a younger sibling may apply for Reception next year.",
            tags=("enrolment", "year 3"),
        ),
        "vi": Conversation(
            subject="Hỏi thủ tục nhập học lớp 3 năm học mới",
            opening=(
                "Chào nhà trường, gia đình tôi sẽ chuyển về khu vực này vào mùa hè và muốn đăng ký cho con "
                "gái vào lớp 3 từ tháng 9. Xin hỏi cần chuẩn bị những giấy tờ gì và trường còn chỉ tiêu không ạ?"
            ),
            follow_ups=(
                "Kính gửi phụ huynh {first}, cảm ơn gia đình đã quan tâm đến nhà trường. Hiện lớp 3 còn hai "
                "chỉ tiêu. Hồ sơ gồm: đơn đăng ký nhập học, bản sao giấy khai sinh, học bạ năm học gần nhất và "
                "giấy xác nhận cư trú tại địa chỉ mới. Gia đình có muốn đặt lịch tham quan trường không ạ?",
                "Có ạ, chiều thứ Năm gia đình đến được không?",
                "Dạ được ạ. Nhà trường đã đặt lịch lúc 15 giờ chiều thứ Năm, gặp cô Hương, giáo viên chủ nhiệm "
                "lớp 3. Xác nhận lịch hẹn và mẫu đơn đã được gửi qua email. Hẹn gặp gia đình!",
            ),
            note="Gia đình chuyển từ Hà Nội vào; bé em có thể đăng ký mẫu giáo năm sau.",
            tags=("tuyển sinh", "lớp 3"),
        ),
        "th": Conversation(
            subject="สอบถามการสมัครเรียนชั้น ป.3",
            opening=(
                "สวัสดี{cp} ครอบครัวจะย้ายมาอยู่แถวนี้ช่วงปิดเทอม อยากสมัครให้ลูกสาวเข้าเรียนชั้น ป.3 "
                "ภาคเรียนที่ 1 ต้องใช้เอกสารอะไรบ้าง และยังมีที่ว่างอยู่ไหม{cpq}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ขอบคุณที่สนใจโรงเรียนของเรา{p} ขณะนี้ชั้น ป.3 ยังมีที่ว่างสองที่ เอกสารที่ใช้"
                "ได้แก่ ใบสมัคร สำเนาสูติบัตร สำเนาทะเบียนบ้าน และผลการเรียนล่าสุด สนใจนัดเยี่ยมชม"
                "โรงเรียนด้วยไหม{pq}",
                "สนใจ{cp} ขอนัดบ่ายวันพฤหัสได้ไหม{cpq}",
                "ได้เลย{p} นัดไว้วันพฤหัสบดี เวลา 15.00 น. พบคุณครูประจำชั้น ป.3 ส่งใบยืนยันนัดและใบสมัคร"
                "ไปทางอีเมลแล้ว แล้วพบกัน{p}",
            ),
            note="ครอบครัวย้ายมาจากขอนแก่น น้องคนเล็กอาจสมัครชั้นอนุบาลปีหน้า",
            tags=("รับสมัครนักเรียน", "ป.3"),
        ),
        "pl": Conversation(
            subject="Zapisy do klasy 3 od września: jakie dokumenty?",
            opening=(
                "Dzień dobry, w wakacje przeprowadzamy się w okolice szkoły i chcielibyśmy zapisać córkę do "
                "klasy 3 od września. Jakie dokumenty są potrzebne i czy są jeszcze wolne miejsca?"
            ),
            follow_ups=(
                "Dzień dobry, dziękujemy za zainteresowanie naszą szkołą. W klasie 3 są jeszcze dwa wolne "
                "miejsca. Potrzebne będą: wniosek o przyjęcie, odpis aktu urodzenia, świadectwo z poprzedniej "
                "klasy oraz potwierdzenie nowego adresu. Czy chcieliby Państwo również umówić się na wizytę w szkole?",
                "Tak, chętnie. Czy pasowałby czwartek po południu?",
                "Oczywiście. Wizyta jest zarezerwowana na czwartek o 15:00 z wychowawczynią klasy 3, panią "
                "Zofią Mazur. Potwierdzenie i formularz wniosku wysłaliśmy e-mailem. Do zobaczenia!",
            ),
            note="Rodzina przeprowadza się z Gdańska; młodszy syn może aplikować do zerówki w przyszłym roku.",
            tags=("rekrutacja", "klasa 3"),
        ),
    },
)

ACCOUNT_ACCESS = Scenario(
    key="account_access",
    department="support",
    type="service_request",
    priority="high",
    channels=("email", "web_form", "chat", "portal", "phone"),
    audience="consumer",
    conversations={
        "en": Conversation(
            subject="Lost my phone and can't get the login code",
            opening=(
                "My phone was stolen on Saturday and I can't log in, because the two-step code comes from "
                "the authenticator app on it. I have a new phone with the same number. How do I get back "
                "into my account?"
            ),
            follow_ups=(
                "Hi {first}, sorry to hear about your phone. To protect your account we need to confirm "
                "it's you: please reply with the last four digits of the card you pay with and the date "
                "of your most recent order. Then I'll reset the two-step login.",
                "Card ends in 7731, and my last order was on the 2nd of this month.",
                "Thanks, that matches. I've removed the old authenticator; at your next login you'll be "
                "asked to set up two-step verification on the new phone. As the old one was stolen, I'd "
                "also change your password.",
            ),
            note="Identity verified with card last four digits and last order date. 2FA reset.",
            tags=("2fa", "account access"),
        ),
        "vi": Conversation(
            subject="Mất điện thoại, không nhận được mã đăng nhập",
            opening=(
                "Điện thoại của mình bị mất cắp hôm thứ Bảy, giờ không đăng nhập được vì mã xác thực hai bước "
                "nằm trong ứng dụng trên máy đó. Mình đã có máy mới, vẫn giữ số cũ. Làm sao để vào lại tài khoản?"
            ),
            follow_ups=(
                "Chào {ac} {first}, em rất tiếc về sự cố này. Để bảo vệ tài khoản, em cần xác minh chính chủ: "
                "{ac} vui lòng cho em 4 số cuối của thẻ thanh toán và ngày đặt đơn hàng gần nhất. Sau khi xác "
                "minh, em sẽ đặt lại xác thực hai bước cho {ac}.",
                "Thẻ đuôi 7731, đơn gần nhất đặt ngày 2 tháng này.",
                "Dạ thông tin trùng khớp. Em đã gỡ ứng dụng xác thực cũ; lần đăng nhập tới {ac} sẽ được hướng "
                "dẫn cài lại xác thực hai bước trên máy mới. Vì máy cũ bị mất, {ac} nên đổi mật khẩu luôn cho an toàn ạ.",
            ),
            note="Đã xác minh bằng 4 số cuối thẻ và ngày đơn gần nhất. Đã reset 2FA.",
            tags=("xác thực hai bước", "truy cập tài khoản"),
        ),
        "th": Conversation(
            subject="โทรศัพท์หาย รับรหัสเข้าสู่ระบบไม่ได้",
            opening=(
                "โทรศัพท์ถูกขโมยเมื่อวันเสาร์ ตอนนี้เข้าบัญชีไม่ได้เพราะรหัสยืนยันสองขั้นตอนอยู่ในแอปบนเครื่องนั้น{cp} "
                "มีเครื่องใหม่แล้ว ใช้เบอร์เดิม ต้องทำอย่างไรถึงจะเข้าบัญชีได้{cpq}"
            ),
            follow_ups=(
                "เรียน คุณ{first} เสียใจด้วยกับเรื่องที่เกิดขึ้น{p} เพื่อความปลอดภัยของบัญชี ขอยืนยันตัวตนก่อน "
                "รบกวนแจ้งเลข 4 หลักท้ายของบัตรที่ใช้ชำระเงิน และวันที่สั่งซื้อครั้งล่าสุด{p}",
                "บัตรลงท้าย 7731 สั่งซื้อล่าสุดวันที่ 2 เดือนนี้{cp}",
                "ข้อมูลตรงกัน{p} ลบแอปยืนยันตัวตนของเครื่องเก่าออกแล้ว เมื่อเข้าสู่ระบบครั้งถัดไป ระบบจะให้ตั้งค่า"
                "การยืนยันสองขั้นตอนบนเครื่องใหม่ และแนะนำให้เปลี่ยนรหัสผ่านด้วย เพราะเครื่องเก่าถูกขโมย{p}",
            ),
            note="ยืนยันตัวตนด้วยเลขท้ายบัตรและวันที่สั่งซื้อล่าสุด รีเซ็ต 2FA แล้ว",
            tags=("2fa", "เข้าบัญชีไม่ได้"),
        ),
        "pl": Conversation(
            subject="Skradziony telefon, brak kodu do logowania",
            opening=(
                "Dzień dobry, w sobotę skradziono mi telefon i nie da się zalogować, bo kod weryfikacji "
                "dwuetapowej generuje aplikacja na tamtym telefonie. Mam już nowy aparat z tym samym "
                "numerem. Jak odzyskać dostęp do konta?"
            ),
            follow_ups=(
                "Dzień dobry, przykro nam z powodu kradzieży. Dla bezpieczeństwa konta musimy potwierdzić "
                "tożsamość: prosimy o cztery ostatnie cyfry karty używanej do płatności oraz datę ostatniego zamówienia.",
                "Karta kończy się na 7731, ostatnie zamówienie było 2. dnia tego miesiąca.",
                "Dziękujemy, dane się zgadzają. Stara aplikacja uwierzytelniająca została odłączona i przy "
                "następnym logowaniu system poprowadzi przez konfigurację weryfikacji dwuetapowej na nowym "
                "telefonie. Zalecamy też zmianę hasła.",
            ),
            note="Tożsamość potwierdzona (4 cyfry karty i data ostatniego zamówienia). 2FA zresetowane.",
            tags=("2fa", "dostęp do konta"),
        ),
    },
)

SHIPPING_DELAY = Scenario(
    key="shipping_delay",
    department="support",
    type="question",
    priority="normal",
    channels=("email", "chat", "facebook", "line", "sms", "telegram", "web_form"),
    audience="consumer",
    weight=3,
    conversations={
        "en": Conversation(
            subject="Where is my parcel? Order #{ref}",
            opening=(
                "Hi, my order #{ref} was supposed to arrive on Tuesday, but the tracking has said 'in "
                "transit: sorting centre' for four days. It's a birthday present, so I'm getting a bit worried."
            ),
            follow_ups=(
                "Hi {first}, I've checked with the courier: your parcel was held up at the sorting centre "
                "by a backlog after the bank holiday. It's on the van now and should reach you tomorrow "
                "before 6 pm. Sorry for the wait!",
            ),
            note="Courier backlog at the Coventry hub, about 200 parcels affected.",
            tags=("shipping", "delay"),
        ),
        "vi": Conversation(
            subject="Đơn hàng #{ref} giao chậm",
            opening=(
                "Chào shop, đơn #{ref} của mình lẽ ra giao hôm thứ Ba nhưng 4 ngày nay trạng thái vẫn là "
                "'đang trung chuyển, kho phân loại'. Đây là quà sinh nhật nên mình hơi lo."
            ),
            follow_ups=(
                "Chào {ac} {first}, em đã liên hệ đơn vị vận chuyển: kiện hàng bị chậm ở kho phân loại do tồn "
                "đọng sau kỳ nghỉ lễ. Hiện hàng đã lên xe giao và sẽ đến tay {ac} trước 18 giờ ngày mai. Em xin "
                "lỗi vì để {ac} phải chờ!",
            ),
            note="Kho trung chuyển Củ Chi tồn khoảng 200 kiện sau lễ.",
            tags=("vận chuyển", "giao chậm"),
        ),
        "th": Conversation(
            subject="พัสดุยังไม่มาส่ง คำสั่งซื้อ #{ref}",
            opening=(
                "สวัสดี{cp} คำสั่งซื้อ #{ref} ควรจะได้รับตั้งแต่วันอังคาร แต่สถานะติดอยู่ที่ 'อยู่ระหว่างขนส่ง "
                "ศูนย์คัดแยก' มา 4 วันแล้ว เป็นของขวัญวันเกิดเลยค่อนข้างกังวล{cp}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ตรวจสอบกับบริษัทขนส่งแล้ว{p} พัสดุล่าช้าที่ศูนย์คัดแยกเพราะมีพัสดุตกค้างหลัง"
                "วันหยุดยาว ตอนนี้อยู่บนรถส่งของแล้ว จะถึงภายในพรุ่งนี้ก่อน 18.00 น. ขออภัยที่ทำให้รอ{p}",
            ),
            note="ศูนย์คัดแยกบางนามีพัสดุตกค้างราว 200 ชิ้นหลังวันหยุด",
            tags=("ขนส่ง", "ส่งล่าช้า"),
        ),
        "pl": Conversation(
            subject="Gdzie jest moja paczka? Zamówienie #{ref}",
            opening=(
                "Dzień dobry, zamówienie #{ref} miało dotrzeć we wtorek, a status od czterech dni to 'w drodze: "
                "sortownia'. To prezent urodzinowy, więc trochę się niepokoję."
            ),
            follow_ups=(
                "Dzień dobry, sprawdziliśmy u przewoźnika: paczka utknęła w sortowni z powodu zaległości po "
                "długim weekendzie. Jest już w samochodzie kuriera i powinna dotrzeć jutro do 18:00. "
                "Przepraszamy za opóźnienie!",
            ),
            note="Zator w sortowni w Strykowie, ok. 200 paczek.",
            tags=("wysyłka", "opóźnienie"),
        ),
    },
)

UPGRADE_CHANGE = Scenario(
    key="upgrade_change",
    department="it",
    type="change_request",
    priority="normal",
    channels=("email", "portal"),
    audience="business",
    weight=1,
    conversations={
        "en": Conversation(
            subject="Request: upgrade the accounting software to version 2025",
            opening=(
                "Hi IT, the vendor ends support for our accounting software version at the end of the "
                "quarter. Finance would like to move to version 2025 before the month-end close. Can we "
                "schedule it for a weekend so nobody is locked out during working hours?"
            ),
            follow_ups=(
                "Hi {first}, thanks for the heads-up. The new version needs SQL Server 2019, which we "
                "already run, so no hardware changes. I propose Saturday 9:00 to 13:00, with a full "
                "database backup first and the old version kept for rollback. Does Finance agree?",
                "Yes, Saturday works. Our team lead will be on the phone for testing afterwards.",
                "The upgrade finished on Saturday as planned: all 14 users can log in and last month's "
                "reports match. The old version stays for 30 days in case we need to roll back. Please "
                "close the ticket in the portal once Finance confirms.",
            ),
            note="Change approved. Rollback plan: restore the database backup and reinstall v2023 from the software share.",
            tags=("upgrade", "change"),
        ),
        "vi": Conversation(
            subject="Đề xuất nâng cấp phần mềm kế toán lên phiên bản 2025",
            opening=(
                "Chào IT, nhà cung cấp sẽ ngừng hỗ trợ phiên bản phần mềm kế toán hiện tại vào cuối quý. "
                "Phòng Tài chính muốn nâng cấp lên bản 2025 trước kỳ khóa sổ cuối tháng. Có thể làm vào "
                "cuối tuần để không ảnh hưởng giờ làm việc không?"
            ),
            follow_ups=(
                "Chào {ac} {first}, em đã kiểm tra: bản mới cần SQL Server 2019, hệ thống mình đang dùng sẵn "
                "nên không phải thay phần cứng. Em đề xuất làm sáng thứ Bảy từ 9:00 đến 13:00, sao lưu toàn "
                "bộ cơ sở dữ liệu trước và giữ bản cũ để khôi phục nếu cần. Phòng Tài chính đồng ý chứ ạ?",
                "Đồng ý làm thứ Bảy nhé. Trưởng nhóm kế toán sẽ trực điện thoại để kiểm tra sau khi nâng cấp.",
                "Việc nâng cấp đã hoàn tất sáng thứ Bảy: cả 14 người dùng đăng nhập được, số liệu báo cáo "
                "tháng trước khớp. Bản cũ được giữ lại 30 ngày phòng khi cần khôi phục. Khi phòng Tài chính "
                "xác nhận xong, {ac} đóng yêu cầu trên cổng hỗ trợ giúp em nhé.",
            ),
            note="Thay đổi đã được duyệt. Phương án khôi phục: restore bản sao lưu CSDL và cài lại bản 2023.",
            tags=("nâng cấp", "thay đổi"),
        ),
        "th": Conversation(
            subject="ขออนุมัติอัปเกรดโปรแกรมบัญชีเป็นเวอร์ชัน 2025",
            opening=(
                "สวัสดี{cp} ฝ่ายไอที ผู้ผลิตจะหยุดซัพพอร์ตโปรแกรมบัญชีเวอร์ชันที่เราใช้อยู่ตอนสิ้นไตรมาสนี้ "
                "ฝ่ายการเงินอยากอัปเกรดเป็นเวอร์ชัน 2025 ก่อนปิดงบสิ้นเดือน ทำช่วงวันหยุดสุดสัปดาห์ได้ไหม{cpq} "
                "จะได้ไม่กระทบเวลางาน"
            ),
            follow_ups=(
                "เรียน คุณ{first} ตรวจสอบแล้ว เวอร์ชันใหม่ต้องใช้ SQL Server 2019 ซึ่งเรามีอยู่แล้ว ไม่ต้องเปลี่ยน"
                "ฮาร์ดแวร์{p} เสนอให้ทำวันเสาร์ 9.00–13.00 น. โดยสำรองฐานข้อมูลทั้งหมดก่อน และเก็บเวอร์ชันเดิม"
                "ไว้เผื่อต้องย้อนกลับ ฝ่ายการเงินสะดวกไหม{pq}",
                "ตกลง{cp} วันเสาร์ได้ หัวหน้าทีมบัญชีจะรอทดสอบทางโทรศัพท์หลังอัปเกรด",
                "อัปเกรดเสร็จเรียบร้อยเมื่อวันเสาร์ตามแผน ผู้ใช้ทั้ง 14 คนเข้าระบบได้ และรายงานเดือนที่แล้ว"
                "ตรงกัน{p} เวอร์ชันเดิมเก็บไว้ 30 วันเผื่อต้องย้อนกลับ เมื่อฝ่ายการเงินยืนยันแล้ว "
                "รบกวนปิดเรื่องในพอร์ทัลด้วยนะ{pq}",
            ),
            note="ผ่านการอนุมัติการเปลี่ยนแปลงแล้ว แผนย้อนกลับ: กู้คืนฐานข้อมูลจากแบ็กอัปและติดตั้งเวอร์ชัน 2023 ใหม่",
            tags=("อัปเกรด", "ขอเปลี่ยนแปลง"),
        ),
        "pl": Conversation(
            subject="Wniosek: aktualizacja programu księgowego do wersji 2025",
            opening=(
                "Cześć, producent kończy wsparcie naszej wersji programu księgowego z końcem kwartału. Dział "
                "finansów chciałby przejść na wersję 2025 przed zamknięciem miesiąca. Czy da się to zrobić "
                "w weekend, żeby nikt nie stracił dostępu w godzinach pracy?"
            ),
            follow_ups=(
                "Cześć {first}, nowa wersja wymaga SQL Server 2019, który już mamy, więc obejdzie się bez "
                "zmian sprzętowych. Proponujemy sobotę 9:00–13:00, z pełną kopią bazy przed aktualizacją i "
                "starą wersją zachowaną na wypadek wycofania zmian. Czy finanse się zgadzają?",
                "Tak, sobota pasuje. Kierowniczka zespołu będzie pod telefonem do testów po aktualizacji.",
                "Aktualizacja zakończona w sobotę zgodnie z planem: wszystkich 14 użytkowników może się "
                "zalogować, a raporty z zeszłego miesiąca się zgadzają. Stara wersja zostaje na 30 dni. "
                "Gdy finanse potwierdzą, zamknij proszę zgłoszenie w portalu.",
            ),
            note="Zmiana zatwierdzona. Plan wycofania: odtworzenie kopii bazy i reinstalacja wersji 2023.",
            tags=("aktualizacja", "zmiana"),
        ),
    },
)

QUOTE_REQUEST = Scenario(
    key="quote_request",
    department="sales",
    type="question",
    priority="low",
    channels=("email", "web_form", "chat", "phone"),
    audience="business",
    conversations={
        "en": Conversation(
            subject="Quote for 40 helpdesk seats",
            opening=(
                "Hello, we're a logistics company with about 40 support staff across two sites, looking "
                "to replace our current ticketing tool. Could you send pricing for annual billing, and "
                "tell me whether you help with onboarding?"
            ),
            follow_ups=(
                "Hi {first}, thanks for getting in touch! For 40 seats on annual billing the price is €29 "
                "per seat per month, and onboarding with data migration is included above 25 seats. Our "
                "standard quote is attached. Would a 30-minute demo call next week be useful?",
                "Yes, Wednesday morning would suit us.",
                "Booked for Wednesday at 10:00; the invitation is on its way. Speak soon!",
            ),
            note="Warm lead: their contract with a competitor ends next quarter.",
            tags=("quote", "sales lead"),
        ),
        "vi": Conversation(
            subject="Báo giá cho 40 tài khoản nhân viên hỗ trợ",
            opening=(
                "Chào anh chị, công ty mình làm logistics, có khoảng 40 nhân viên chăm sóc khách hàng ở hai "
                "chi nhánh và đang tìm phần mềm thay thế hệ thống ticket hiện tại. Nhờ gửi giúp báo giá theo "
                "năm và cho biết bên mình có hỗ trợ triển khai ban đầu không?"
            ),
            follow_ups=(
                "Chào {ac} {first}, cảm ơn {ac} đã liên hệ! Với 40 tài khoản thanh toán theo năm, đơn giá là "
                "690.000 ₫/tài khoản/tháng, và từ 25 tài khoản trở lên bên em hỗ trợ triển khai, chuyển dữ liệu "
                "miễn phí. Em gửi kèm báo giá chuẩn; {ac} có muốn hẹn một buổi demo 30 phút vào tuần sau không ạ?",
                "Có, sáng thứ Tư được nhé.",
                "Dạ em đã đặt lịch 10 giờ sáng thứ Tư, lời mời đã được gửi qua email. Hẹn gặp {ac}!",
            ),
            note="Khách tiềm năng tốt; hợp đồng với đối thủ hết hạn vào quý sau.",
            tags=("báo giá", "khách hàng tiềm năng"),
        ),
        "th": Conversation(
            subject="ขอใบเสนอราคาสำหรับผู้ใช้ 40 คน",
            opening=(
                "สวัสดี{cp} บริษัทเราทำธุรกิจโลจิสติกส์ มีพนักงานฝ่ายบริการลูกค้าประมาณ 40 คนในสองสาขา "
                "กำลังหาระบบใหม่แทนระบบ ticket ที่ใช้อยู่ ขอราคาแบบรายปี และสอบถามว่ามีบริการช่วยเริ่มต้น"
                "ใช้งานไหม{cpq}"
            ),
            follow_ups=(
                "เรียน คุณ{first} ขอบคุณที่ติดต่อมา{p} สำหรับ 40 ผู้ใช้แบบรายปี ราคาอยู่ที่ 990 บาทต่อผู้ใช้ต่อเดือน "
                "และตั้งแต่ 25 ผู้ใช้ขึ้นไปมีบริการติดตั้งและย้ายข้อมูลให้ฟรี แนบใบเสนอราคามาให้แล้ว "
                "สนใจนัดเดโมออนไลน์ 30 นาทีสัปดาห์หน้าไหม{pq}",
                "สนใจ{cp} เช้าวันพุธสะดวก{cp}",
                "นัดไว้วันพุธ 10.00 น. ส่งลิงก์ประชุมไปทางอีเมลแล้ว{p} แล้วพบกัน{p}",
            ),
            note="ลีดคุณภาพดี สัญญากับคู่แข่งจะหมดไตรมาสหน้า",
            tags=("ใบเสนอราคา", "ลูกค้าใหม่"),
        ),
        "pl": Conversation(
            subject="Wycena dla 40 stanowisk",
            opening=(
                "Dzień dobry, jesteśmy firmą logistyczną z około 40 osobami w obsłudze klienta w dwóch "
                "oddziałach i szukamy następcy obecnego systemu zgłoszeń. Proszę o cennik przy rozliczeniu "
                "rocznym oraz informację, czy pomagają Państwo we wdrożeniu."
            ),
            follow_ups=(
                "Dzień dobry, dziękujemy za kontakt! Przy 40 stanowiskach i rozliczeniu rocznym cena wynosi "
                "119 zł za stanowisko miesięcznie, a powyżej 25 stanowisk wdrożenie z migracją danych jest w "
                "cenie. W załączniku standardowa oferta. Czy 30-minutowa prezentacja w przyszłym tygodniu byłaby pomocna?",
                "Tak, najlepiej w środę rano.",
                "Zarezerwowane na środę o 10:00, zaproszenie jest już w drodze. Do usłyszenia!",
            ),
            note="Ciepły lead; umowa z konkurencją kończy się w przyszłym kwartale.",
            tags=("wycena", "sprzedaż"),
        ),
    },
)

SCENARIOS: tuple[Scenario, ...] = (
    WRONG_ITEM,
    REFUND_DELAY,
    ISP_OUTAGE,
    APP_CRASH,
    PASSWORD_RESET,
    VPN,
    PRINTER,
    INVOICE_CORRECTION,
    DOUBLE_CHARGE,
    ENROLMENT,
    ACCOUNT_ACCESS,
    SHIPPING_DELAY,
    UPGRADE_CHANGE,
    QUOTE_REQUEST,
)

# --------------------------------------------------------------------------------------------
# Problems: root causes that several incidents share. Opened by an agent; the analysis is a note.
# --------------------------------------------------------------------------------------------

PROBLEMS: Mapping[str, Problem] = {
    "isp_node": Problem(
        key="isp_node",
        texts={
            "en": ProblemText(
                subject="Recurring power failures at distribution node D-14",
                note=(
                    "Root cause: node D-14 lost power three times in four weeks, each time cutting fibre "
                    "for the surrounding streets. The UPS battery fails its self-test; a replacement is "
                    "ordered from the vendor. All customer incidents are linked here, so they can be "
                    "answered together once the battery is in."
                ),
            ),
            "vi": ProblemText(
                subject="Trạm phân phối D-14 mất điện lặp lại nhiều lần",
                note=(
                    "Nguyên nhân gốc: trạm D-14 mất điện ba lần trong bốn tuần, mỗi lần làm mất mạng cáp quang "
                    "cả khu vực xung quanh. Bộ lưu điện (UPS) không qua được bài tự kiểm tra; đã đặt thay ắc quy "
                    "từ nhà cung cấp. Các sự cố của khách hàng được liên kết vào đây để trả lời cùng lúc."
                ),
            ),
            "th": ProblemText(
                subject="โหนด D-14 ไฟดับซ้ำหลายครั้ง",
                note=(
                    "สาเหตุหลัก: โหนด D-14 ไฟดับสามครั้งในสี่สัปดาห์ ทุกครั้งทำให้ไฟเบอร์ในพื้นที่ใกล้เคียงใช้งาน"
                    "ไม่ได้ แบตเตอรี่ UPS ไม่ผ่านการทดสอบตัวเอง สั่งเปลี่ยนจากผู้ขายแล้ว เหตุขัดข้องของลูกค้า"
                    "ทั้งหมดเชื่อมไว้ที่ตั๋วนี้ เพื่อแจ้งทุกคนพร้อมกันเมื่อเปลี่ยนแบตเตอรี่เสร็จ"
                ),
            ),
            "pl": ProblemText(
                subject="Powtarzające się zaniki zasilania węzła D-14",
                note=(
                    "Przyczyna: węzeł D-14 trzy razy w ciągu czterech tygodni stracił zasilanie, za każdym "
                    "razem odcinając światłowód okolicznym ulicom. Bateria UPS nie przechodzi autotestu; "
                    "wymiana zamówiona u dostawcy. Zgłoszenia klientów są tu podpięte, żeby odpowiedzieć "
                    "wszystkim naraz po wymianie."
                ),
            ),
        },
    ),
    "app_release": Problem(
        key="app_release",
        texts={
            "en": ProblemText(
                subject="Android app 5.2.0 crashes at PIN login",
                note=(
                    "Crash reports spiked after the 5.2.0 release: NullPointerException in PinLoginFragment "
                    "when fingerprint login is disabled. Fix merged for 5.2.1, staged rollout at 20%. "
                    "Linked incidents get answered when the rollout reaches 100%."
                ),
            ),
            "vi": ProblemText(
                subject="Ứng dụng Android 5.2.0 bị văng khi đăng nhập bằng PIN",
                note=(
                    "Số báo cáo crash tăng vọt sau bản 5.2.0: NullPointerException ở PinLoginFragment khi tắt "
                    "đăng nhập vân tay. Bản sửa đã vào 5.2.1, đang phát hành dần 20%. Các sự cố liên kết sẽ "
                    "được trả lời khi phát hành đủ 100%."
                ),
            ),
            "th": ProblemText(
                subject="แอป Android 5.2.0 เด้งออกตอนล็อกอินด้วย PIN",
                note=(
                    "รายงาน crash เพิ่มขึ้นมากหลังออกเวอร์ชัน 5.2.0: NullPointerException ใน PinLoginFragment "
                    "เมื่อปิดล็อกอินด้วยลายนิ้วมือ ตัวแก้ไขรวมใน 5.2.1 แล้ว กำลังทยอยปล่อย 20% "
                    "จะตอบเหตุขัดข้องที่เชื่อมไว้ทั้งหมดเมื่อปล่อยครบ 100%"
                ),
            ),
            "pl": ProblemText(
                subject="Aplikacja Android 5.2.0 zamyka się przy logowaniu PIN-em",
                note=(
                    "Skok liczby crashy po wydaniu 5.2.0: NullPointerException w PinLoginFragment przy "
                    "wyłączonym logowaniu odciskiem palca. Poprawka w 5.2.1, wdrażanie stopniowe na 20%. "
                    "Podpięte zgłoszenia dostaną odpowiedź po wdrożeniu na 100%."
                ),
            ),
        },
    ),
}

# --------------------------------------------------------------------------------------------
# Stock texts, for turns a scenario does not script
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockTexts:
    ask: str  # agent asks for details: the ticket waits on the customer
    hold_reply: str  # agent tells the customer a third party is needed
    hold_note: str
    resolve: str  # a closing reply when the script ends on the customer's turn
    duplicate: str  # the customer writes again in a new thread
    merge_note: str
    light_note: str  # what a light agent (sales) adds internally
    phone_note: str  # an agent's note after taking a call


# What customers write with a rating: (with a top score, with a low one).
RATING_COMMENTS: Mapping[Language, tuple[str, str]] = {
    "en": ("Quick and friendly help, thank you!", "It took three days and two reminders to get an answer."),
    "vi": ("Hỗ trợ nhanh và rất nhiệt tình, cảm ơn các bạn!", "Phải chờ ba ngày và nhắc hai lần mới có người trả lời."),
    "th": ("ช่วยเหลือรวดเร็วและเป็นกันเองมาก ขอบคุณค่ะ", "ต้องรอถึงสามวันและทวงสองครั้งกว่าจะได้คำตอบ"),
    "pl": ("Szybka i bardzo uprzejma pomoc, dziękuję!", "Na odpowiedź czekałem trzy dni i musiałem dwa razy przypominać."),
}


STOCK: Mapping[Language, StockTexts] = {
    "en": StockTexts(
        ask=(
            "Hi {first}, thanks for reaching out. To look into this properly, could you send a "
            "screenshot or photo of what you see and tell us when it started? We'll take it from there."
        ),
        hold_reply=(
            "Hi {first}, we've passed this to our partner team and are waiting for their answer. "
            "We haven't forgotten you, and we'll update you as soon as we hear back."
        ),
        hold_note="Waiting on the vendor. Chase them again on Monday if nothing by then.",
        resolve=(
            "Hi {first}, this should now be sorted. I'm marking the ticket as resolved; if anything is "
            "still not right, just reply and it will reopen."
        ),
        duplicate=(
            "I wrote about this yesterday but haven't had a reply yet. Could someone please look at it? "
            "The details are in my previous email."
        ),
        merge_note="Customer wrote again in a new thread; merged into the original ticket.",
        light_note=(
            "FYI: this customer also called the sales line yesterday about the same thing. They're "
            "considering an upgrade, so a quick answer would help."
        ),
        phone_note="Took the call; customer prefers a call back on the same number rather than email.",
    ),
    "vi": StockTexts(
        ask=(
            "Chào {ac} {first}, cảm ơn {ac} đã liên hệ. Để kiểm tra chính xác, {ac} gửi giúp em ảnh chụp "
            "màn hình (hoặc ảnh chụp) tình trạng hiện tại và cho em biết sự việc bắt đầu từ khi nào nhé."
        ),
        hold_reply=(
            "Chào {ac} {first}, em đã chuyển yêu cầu cho đối tác phụ trách và đang chờ phản hồi. Em vẫn "
            "theo dõi sát và sẽ cập nhật cho {ac} ngay khi có thông tin ạ."
        ),
        hold_note="Đang chờ nhà cung cấp, nếu đến thứ Hai chưa có phản hồi thì nhắc lại.",
        resolve=(
            "Chào {ac} {first}, yêu cầu của {ac} đã được xử lý xong. Em xin phép chuyển sang trạng thái đã "
            "giải quyết; nếu còn vướng mắc, {ac} chỉ cần trả lời lại là yêu cầu sẽ được mở lại ạ."
        ),
        duplicate=(
            "Hôm qua mình đã gửi yêu cầu về việc này nhưng chưa thấy phản hồi. Nhờ bên bạn kiểm tra giúp, "
            "chi tiết có trong email trước."
        ),
        merge_note="Khách gửi lại bằng email mới, đã gộp vào ticket gốc.",
        light_note=(
            "Lưu ý: hôm qua khách này cũng gọi lên bộ phận kinh doanh về việc tương tự, đang cân nhắc "
            "nâng cấp gói nên cần phản hồi sớm."
        ),
        phone_note="Đã nghe máy; khách muốn được gọi lại qua số này thay vì email.",
    ),
    "th": StockTexts(
        ask=(
            "เรียน คุณ{first} ขอบคุณที่ติดต่อมา{p} เพื่อให้ตรวจสอบได้ถูกต้อง รบกวนส่งภาพหน้าจอหรือรูปถ่าย"
            "ของปัญหา และแจ้งว่าเริ่มเกิดขึ้นตั้งแต่เมื่อไร{p}"
        ),
        hold_reply=(
            "เรียน คุณ{first} ได้ส่งเรื่องให้หน่วยงานที่เกี่ยวข้องแล้ว และกำลังรอคำตอบ{p} "
            "จะแจ้งความคืบหน้าให้ทราบทันทีที่ได้รับข้อมูล{p}"
        ),
        hold_note="รอผู้ขายตอบกลับ ถ้าถึงวันจันทร์ยังเงียบให้ตามอีกครั้ง",
        resolve=(
            "เรียน คุณ{first} เรื่องนี้ได้รับการแก้ไขเรียบร้อยแล้ว{p} หากยังมีปัญหาอยู่ ตอบกลับข้อความนี้ได้เลย "
            "เรื่องจะถูกเปิดขึ้นใหม่อัตโนมัติ{p}"
        ),
        duplicate=(
            "เมื่อวานส่งเรื่องนี้มาแล้วแต่ยังไม่ได้รับคำตอบ{cp} รบกวนช่วยดูให้หน่อย รายละเอียดอยู่ในอีเมลฉบับก่อน{cp}"
        ),
        merge_note="ลูกค้าส่งเรื่องซ้ำในอีเมลฉบับใหม่ รวมเข้ากับตั๋วเดิมแล้ว",
        light_note=(
            "FYI: this customer also called the sales line yesterday about the same thing. They're "
            "considering an upgrade, so a quick answer would help."
        ),
        phone_note="รับสายแล้ว ลูกค้าสะดวกให้โทรกลับเบอร์เดิมมากกว่าทางอีเมล",
    ),
    "pl": StockTexts(
        ask=(
            "Dzień dobry, dziękujemy za wiadomość. Aby dokładnie to sprawdzić, prosimy o zrzut ekranu lub "
            "zdjęcie problemu oraz informację, od kiedy występuje."
        ),
        hold_reply=(
            "Dzień dobry, sprawa została przekazana do naszego partnera i czekamy na odpowiedź. Nie "
            "zapomnieliśmy o zgłoszeniu i poinformujemy, gdy tylko coś będzie wiadomo."
        ),
        hold_note="Czekamy na dostawcę. Jeśli do poniedziałku brak odpowiedzi, przypomnieć się.",
        resolve=(
            "Dzień dobry, sprawa powinna być już rozwiązana. Oznaczamy zgłoszenie jako rozwiązane; gdyby "
            "coś nadal nie działało, wystarczy odpowiedzieć, a zgłoszenie zostanie ponownie otwarte."
        ),
        duplicate=(
            "Dzień dobry, wczoraj była już wiadomość w tej sprawie, ale bez odpowiedzi. Proszę o sprawdzenie, "
            "szczegóły są w poprzednim e-mailu."
        ),
        merge_note="Klient napisał ponownie w nowym wątku; scalono z pierwotnym zgłoszeniem.",
        light_note=(
            "FYI: this customer also called the sales line yesterday about the same thing. They're "
            "considering an upgrade, so a quick answer would help."
        ),
        phone_note="Rozmowa odebrana; klient woli oddzwonienie na ten sam numer zamiast e-maila.",
    ),
}

# --------------------------------------------------------------------------------------------
# The desk: departments, agents, organisations, and names for customers
# --------------------------------------------------------------------------------------------

DEMO_DOMAIN = "tessera-demo.example"  # .example never resolves (RFC 2606): demo mail goes nowhere


@dataclass(frozen=True)
class DepartmentSpec:
    key: str
    name: str
    email: str
    customer_closes: bool = False


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("support", "Support", f"support@{DEMO_DOMAIN}"),
    DepartmentSpec("billing", "Billing", f"billing@{DEMO_DOMAIN}"),
    # The requester confirms an IT fix before the ticket closes.
    DepartmentSpec("it", "IT Helpdesk", f"it@{DEMO_DOMAIN}", customer_closes=True),
    DepartmentSpec("sales", "Sales", f"sales@{DEMO_DOMAIN}"),
    DepartmentSpec("admissions", "Admissions", f"admissions@{DEMO_DOMAIN}"),
)


@dataclass(frozen=True)
class AgentSpec:
    username: str
    first_name: str
    last_name: str
    display_name: str
    role: str  # a Role value
    language: Language
    time_zone: str
    gender: Gender
    departments: tuple[str, ...]
    password: str = "demo"  # noqa: S105 - published demo logins


AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec(
        "admin",
        "Daniel",
        "Reed",
        "Daniel Reed (admin)",
        "admin",
        "en",
        "UTC",
        "m",
        (),
        password="admin",  # noqa: S106 - published demo login
    ),
    AgentSpec(
        "lan",
        "Lan",
        "Nguyễn Thị",
        "Nguyễn Thị Lan",
        "agent",
        "vi",
        "Asia/Ho_Chi_Minh",
        "f",
        ("support", "billing", "admissions"),
    ),
    AgentSpec(
        "minh",
        "Minh",
        "Trần Quốc",
        "Trần Quốc Minh",
        "agent",
        "vi",
        "Asia/Ho_Chi_Minh",
        "m",
        ("it", "sales"),
    ),
    AgentSpec(
        "somchai",
        "Somchai",
        "Prasert",
        "สมชาย ประเสริฐ",
        "agent",
        "th",
        "Asia/Bangkok",
        "m",
        ("support", "it", "admissions"),
    ),
    AgentSpec(
        "pim",
        "Pimchanok",
        "Srisuk",
        "พิมพ์ชนก ศรีสุข",
        "agent",
        "th",
        "Asia/Bangkok",
        "f",
        ("billing", "sales"),
    ),
    AgentSpec(
        "agnieszka",
        "Agnieszka",
        "Wiśniewska",
        "Agnieszka Wiśniewska",
        "agent",
        "pl",
        "Europe/Warsaw",
        "f",
        ("support", "billing", "admissions"),
    ),
    AgentSpec(
        "tomasz",
        "Tomasz",
        "Kowalczyk",
        "Tomasz Kowalczyk",
        "agent",
        "pl",
        "Europe/Warsaw",
        "m",
        ("it", "sales"),
    ),
    AgentSpec(
        "alex",
        "Alex",
        "Morgan",
        "Alex Morgan",
        "agent",
        "en",
        "UTC",
        "m",
        ("support", "it", "sales"),
    ),
    AgentSpec(
        "hoa",
        "Hoa",
        "Phạm Thu",
        "Phạm Thu Hoa",
        "light_agent",
        "vi",
        "Asia/Ho_Chi_Minh",
        "f",
        ("sales", "support"),
    ),
)


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    domain: str
    language: Language
    shares_tickets: bool = False


ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec("Northwind Traders Ltd", "northwind.example", "en", shares_tickets=True),
    OrganisationSpec("Harbour Lane Dental", "harbourlane.example", "en"),
    OrganisationSpec("Blue Finch Studio", "bluefinch.example", "en"),
    OrganisationSpec(
        "Công ty TNHH Phương Nam Logistics",
        "phuongnam-logistics.example",
        "vi",
        shares_tickets=True,
    ),
    OrganisationSpec("Công ty CP Thực phẩm Sông Hồng", "songhong-food.example", "vi"),
    OrganisationSpec("บริษัท สยามเทค โซลูชั่น จำกัด", "siamtech.example", "th", shares_tickets=True),
    OrganisationSpec("โรงแรมริมน้ำ เชียงใหม่", "rimnam-hotel.example", "th"),
    OrganisationSpec("Przychodnia Zdrowie Sp. z o.o.", "przychodnia-zdrowie.example", "pl"),
    OrganisationSpec("Drukarnia Wisła S.A.", "drukarnia-wisla.example", "pl", shares_tickets=True),
)

# Where private customers keep their mail, per language.
FREE_MAIL: Mapping[Language, str] = {
    "en": "inbox.example",
    "vi": "thu.example",
    "th": "mail.example",
    "pl": "poczta.example",
}

CONTACT_TIME_ZONES: Mapping[Language, str] = {
    "en": "Europe/London",
    "vi": "Asia/Ho_Chi_Minh",
    "th": "Asia/Bangkok",
    "pl": "Europe/Warsaw",
}


@dataclass(frozen=True)
class PersonName:
    """A customer's name as shown, the given name used in greetings, and an ASCII form for mail."""

    full: str
    given: str
    email_local: str
    gender: Gender


VI_FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
)
VI_MIDDLE: Mapping[Gender, tuple[str, ...]] = {
    "f": ("Thị", "Thu", "Ngọc", "Thanh", "Minh"),
    "m": ("Văn", "Quốc", "Đức", "Minh", "Hoàng"),
}
VI_GIVEN: Mapping[Gender, tuple[str, ...]] = {
    "f": (
        "Lan",
        "Mai",
        "Hương",
        "Linh",
        "Trang",
        "Thảo",
        "Yến",
        "Hạnh",
        "Phương",
        "Ngân",
        "Vy",
        "Trâm",
    ),
    "m": (
        "Hùng",
        "Tuấn",
        "Dũng",
        "Nam",
        "Quang",
        "Hải",
        "Khánh",
        "Đức",
        "Long",
        "Bảo",
        "Phúc",
        "Thắng",
    ),
}

# (Thai script, romanisation)
TH_GIVEN: Mapping[Gender, tuple[tuple[str, str], ...]] = {
    "f": (
        ("สุดารัตน์", "Sudarat"),
        ("วิไลวรรณ", "Wilaiwan"),
        ("ธนพร", "Thanaporn"),
        ("ปิยะนุช", "Piyanuch"),
        ("อรุณี", "Arunee"),
        ("พรทิพย์", "Porntip"),
        ("รัตนา", "Rattana"),
        ("จันทร์เพ็ญ", "Chanpen"),
        ("กมลชนก", "Kamonchanok"),
        ("นภัสสร", "Napatsorn"),
    ),
    "m": (
        ("สมศักดิ์", "Somsak"),
        ("ณัฐพล", "Nattapon"),
        ("กิตติพงษ์", "Kittipong"),
        ("ชัยวัฒน์", "Chaiwat"),
        ("วีระ", "Weera"),
        ("อนุชา", "Anucha"),
        ("ธีรวัฒน์", "Teerawat"),
        ("สุรชัย", "Surachai"),
        ("พงศกร", "Pongsakorn"),
        ("วรวุฒิ", "Worawut"),
    ),
}
TH_FAMILY: tuple[tuple[str, str], ...] = (
    ("ศรีสุข", "Srisuk"),
    ("ทองดี", "Thongdee"),
    ("วงศ์สวัสดิ์", "Wongsawat"),
    ("แก้วมณี", "Kaewmanee"),
    ("บุญมา", "Boonma"),
    ("จันทร์แก้ว", "Chankaew"),
    ("สุขเจริญ", "Sukcharoen"),
    ("พัฒนพงศ์", "Pattanapong"),
    ("รุ่งเรือง", "Rungruang"),
    ("ศรีวงศ์", "Sriwong"),
    ("อินทรประเสริฐ", "Intaraprasert"),
    ("มั่นคง", "Mankong"),
)

PL_GIVEN: Mapping[Gender, tuple[str, ...]] = {
    "f": (
        "Anna",
        "Katarzyna",
        "Małgorzata",
        "Magdalena",
        "Joanna",
        "Ewa",
        "Zofia",
        "Barbara",
        "Dorota",
        "Aleksandra",
    ),
    "m": (
        "Piotr",
        "Krzysztof",
        "Paweł",
        "Marcin",
        "Michał",
        "Łukasz",
        "Grzegorz",
        "Jakub",
        "Wojciech",
        "Bartosz",
    ),
}
# (masculine, feminine)
PL_FAMILY: tuple[tuple[str, str], ...] = (
    ("Kowalski", "Kowalska"),
    ("Wiśniewski", "Wiśniewska"),
    ("Wójcik", "Wójcik"),
    ("Kamiński", "Kamińska"),
    ("Lewandowski", "Lewandowska"),
    ("Zieliński", "Zielińska"),
    ("Szymański", "Szymańska"),
    ("Woźniak", "Woźniak"),
    ("Dąbrowski", "Dąbrowska"),
    ("Kozłowski", "Kozłowska"),
    ("Mazur", "Mazur"),
    ("Krawczyk", "Krawczyk"),
    ("Jankowski", "Jankowska"),
    ("Grabowski", "Grabowska"),
)

EN_GIVEN: Mapping[Gender, tuple[str, ...]] = {
    "f": (
        "Emily",
        "Olivia",
        "Sophie",
        "Grace",
        "Hannah",
        "Chloe",
        "Amelia",
        "Lucy",
        "Priya",
        "Megan",
    ),
    "m": (
        "James",
        "Daniel",
        "Michael",
        "Thomas",
        "David",
        "Ryan",
        "Oliver",
        "Samuel",
        "Arjun",
        "Liam",
    ),
}
EN_FAMILY = (
    "Smith",
    "Carter",
    "Hughes",
    "Bennett",
    "Walker",
    "Patel",
    "O'Brien",
    "Reid",
    "Morgan",
    "Clarke",
    "Turner",
    "Evans",
)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII for mail addresses: strips Vietnamese and Polish diacritics."""
    # NFD splits most accents off; đ and ł are letters of their own and need mapping by hand.
    text = text.replace("đ", "d").replace("Đ", "D").replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in stripped.lower() if c.isascii() and (c.isalnum() or c in ".-"))


def make_name(language: Language, gender: Gender, pick: int, pick2: int, pick3: int) -> PersonName:
    """Compose a natural name from the pools; the picks are any integers (taken modulo)."""
    if language == "vi":
        family = VI_FAMILY[pick % len(VI_FAMILY)]
        middle = VI_MIDDLE[gender][pick2 % len(VI_MIDDLE[gender])]
        given = VI_GIVEN[gender][pick3 % len(VI_GIVEN[gender])]
        return PersonName(
            f"{family} {middle} {given}", given, ascii_fold(f"{given}.{family}"), gender
        )
    if language == "th":
        given_th, given_en = TH_GIVEN[gender][pick % len(TH_GIVEN[gender])]
        family_th, family_en = TH_FAMILY[pick2 % len(TH_FAMILY)]
        return PersonName(
            f"{given_th} {family_th}", given_th, ascii_fold(f"{given_en}.{family_en[:4]}"), gender
        )
    if language == "pl":
        given = PL_GIVEN[gender][pick % len(PL_GIVEN[gender])]
        masculine, feminine = PL_FAMILY[pick2 % len(PL_FAMILY)]
        family = feminine if gender == "f" else masculine
        return PersonName(f"{given} {family}", given, ascii_fold(f"{given}.{family}"), gender)
    given = EN_GIVEN[gender][pick % len(EN_GIVEN[gender])]
    family = EN_FAMILY[pick2 % len(EN_FAMILY)]
    return PersonName(f"{given} {family}", given, ascii_fold(f"{given}.{family}"), gender)


@dataclass(frozen=True)
class Voice:
    """Who is writing, so the template's forms of address and particles come out right."""

    first: str = ""
    org: str = ""
    ref: str = ""
    customer_gender: Gender = "f"
    agent_gender: Gender = "f"
    extra: Mapping[str, str] = field(default_factory=dict)


def render(template: str, voice: Voice) -> str:
    values = {
        "first": voice.first,
        "org": voice.org or "",
        "ref": voice.ref,
        "ac": "chị" if voice.customer_gender == "f" else "anh",
        "p": "ค่ะ" if voice.agent_gender == "f" else "ครับ",
        "pq": "คะ" if voice.agent_gender == "f" else "ครับ",
        "cp": "ค่ะ" if voice.customer_gender == "f" else "ครับ",
        "cpq": "คะ" if voice.customer_gender == "f" else "ครับ",
        **voice.extra,
    }
    return template.format(**values)
