"""``tessera email parse``: one JSON object out, exit code 1 with {"error": …} on refusal."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

MAIL = (
    "From: =?utf-8?q?Nguy=E1=BB=85n_V=C4=83n_B=C3=ACnh?= <binh@globex.test>\n"
    "To: Support <support@example.test>\nCc: anna@acme.test\n"
    "Subject: =?utf-8?b?SG/DoSDEkcahbg==?=\nMessage-ID: <m1@globex.test>\n"
    "In-Reply-To: <t1@example.test>\nReferences: <t0@example.test> <t1@example.test>\n"
    "Date: Mon, 15 Jan 2024 10:30:00 +0700\n"
    "Content-Type: multipart/mixed; boundary=B\n\n"
    "--B\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    "Em chưa nhận được hoá đơn.\n\nVào 09:00 15/01/2024, Support <support@example.test> đã viết:\n> Đã gửi.\n"
    '--B\nContent-Type: application/pdf; name="hoa-don.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--B--\n'
).encode()


def test_call_command_prints_one_json_object(tmp_path: Path) -> None:
    path = tmp_path / "mail.eml"
    path.write_bytes(MAIL)
    out = io.StringIO()
    call_command("email_parse", str(path), stdout=out)
    data = json.loads(out.getvalue())
    assert data["message_id"] == "m1@globex.test"
    assert data["in_reply_to"] == "t1@example.test"
    assert data["references"] == ["t0@example.test", "t1@example.test"]
    assert data["from"] == {"address": "binh@globex.test", "name": "Nguyễn Văn Bình"}
    assert data["to"] == [{"address": "support@example.test", "name": "Support"}]
    assert data["cc"] == [{"address": "anna@acme.test", "name": ""}]
    assert data["subject"] == "Hoá đơn"
    assert data["date"] == "2024-01-15T10:30:00+07:00"
    assert data["kind"] == "message"
    assert data["reply_text"] == "Em chưa nhận được hoá đơn."
    assert "Đã gửi." in data["text"]
    assert data["attachments"] == [
        {"filename": "hoa-don.pdf", "content_type": "application/pdf", "size": 5}
    ]
    assert data["bounced_recipients"] == []


def test_refused_mail_exits_1_with_json_error(tmp_path: Path) -> None:
    path = tmp_path / "big.eml"
    path.write_bytes(MAIL)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("email_parse", str(path), "--max-bytes", "10", stdout=out)
    assert exited.value.code == 1
    assert json.loads(out.getvalue()) == {"error": "too large"}


def test_cli_reads_stdin_and_reports_bounces(shared_data: Path, tmp_path: Path) -> None:
    raw = (shared_data / "eml-discourse" / "bounced_email.eml").read_bytes()
    env = {"TESSERA_DEBUG": "true", "TESSERA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", "from tessera.cli import main; main()", "email", "parse", "-"],
        input=raw,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    assert data["kind"] == "bounce"
    assert data["bounced_recipients"][0]["address"] == "linux-admin@b-s-c.co.jp"


def test_cli_empty_stdin_is_an_error(tmp_path: Path) -> None:
    env = {"TESSERA_DEBUG": "true", "TESSERA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", "from tessera.cli import main; main()", "email", "parse", "-"],
        input=b"",
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"error": "empty"}
