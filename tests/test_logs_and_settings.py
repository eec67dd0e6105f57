
import pytest

from logs import redact
from settings import SettingsError, load_settings


@pytest.mark.parametrize("raw, hidden", [
    ("マイナンバーは1234 5678 9012です", "1234 5678 9012"),
    ("個人番号123456789012", "123456789012"),
    ("携帯 090-1234-5678 まで", "090-1234-5678"),
    ("代表 03-1234-5678", "03-1234-5678"),
    ("mail taro.yamada@city.example.lg.jp", "taro.yamada@city.example.lg.jp"),
])
def test_personal_data_is_redacted(raw, hidden):
    assert hidden not in redact(raw)


def test_article_numbers_and_dates_survive_redaction():
    text = "地方公務員法第38条、令和6年4月1日施行、20日"
    assert redact(text) == text




def test_app_password_required_with_app_id(monkeypatch):
    monkeypatch.setenv("MicrosoftAppId", "00000000-0000-0000-0000-00000000abcd")
    monkeypatch.delenv("MicrosoftAppPassword", raising=False)
    with pytest.raises(SettingsError, match="MicrosoftAppPassword"):
        load_settings(_env_file=None)


def test_secret_is_not_in_settings_repr(monkeypatch):
    monkeypatch.setenv("MicrosoftAppId", "app")
    monkeypatch.setenv("MicrosoftAppPassword", "very-secret-value")
    settings = load_settings(_env_file=None)
    assert "very-secret-value" not in repr(settings)
    assert settings.microsoft_app_password.get_secret_value() == "very-secret-value"


def test_admin_ids_are_comma_separated(monkeypatch):
    monkeypatch.setenv("REIKI_ADMIN_OBJECT_IDS", "a-1, b-2,")
    assert load_settings(_env_file=None).admin_object_ids == ("a-1", "b-2")


def test_ids_in_log_lines_are_not_mistaken_for_phone_numbers():
    line = "answered activity=0312345678b1-9d84-4c2e conversation=a:1f0312345678"
    assert redact(line) == line
