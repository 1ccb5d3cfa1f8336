import pytest
from cryptography.fernet import Fernet

from apps.lib import crypto


def test_it_round_trips_and_never_stores_the_clear_text(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("s3cret-token")
    assert "s3cret-token" not in token
    assert crypto.decrypt(token) == "s3cret-token"


def test_an_older_key_still_decrypts_and_rotation_moves_to_the_newest(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "s3cret"
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "s3cret"


def test_a_wrong_key_fails_loudly(settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.WrongKey, match="could not be decrypted"):
        crypto.decrypt(token)


def test_a_malformed_key_is_named(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(crypto.WrongKey, match="not a Fernet key"):
        crypto.encrypt("s3cret")
