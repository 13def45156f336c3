"""The secret store's contract, run against both backends: local (PostgreSQL) and aws (moto_server)."""

import logging
import pickle

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from conftest import free_port
from vault import SecretAlreadyExists, SecretNotFound, SecretStoreError, SecretValue, get_secret_store
from vault.local import LocalSecretStore
from vault.models import SecretVersion

VALUE = "s3cr3t-value-that-must-not-leak-9f2c"


@pytest.fixture(params=["local", "aws"])
def store(request, db, monkeypatch, settings):
    if request.param == "aws":
        endpoint = request.getfixturevalue("moto_endpoint")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        # A fresh prefix per test: moto's server keeps state for the whole session.
        prefix = f"test-{request.node.name.replace('[', '-').rstrip(']')}-{free_port()}/"
        settings.SECRET_STORE = {
            **settings.SECRET_STORE,
            "BACKEND": "aws",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_PREFIX": prefix,
        }
    return get_secret_store()


def test_put_then_get_returns_the_value(store):
    meta = store.put("tenant/acme/jwt", VALUE, tags={"tenant": "t-acme", "kind": "jwt"})

    assert (meta.name, meta.version, meta.current) == ("tenant/acme/jwt", 1, True)
    assert store.get("tenant/acme/jwt").reveal() == VALUE


def test_put_twice_is_refused(store):
    store.put("dup", VALUE)
    with pytest.raises(SecretAlreadyExists):
        store.put("dup", "other")
    assert store.get("dup").reveal() == VALUE


def test_rotate_makes_a_new_current_version_and_supersedes_the_old(store):
    store.put("webhook", "v1-value", tags={"tenant": "acme"})

    rotated = store.rotate("webhook", "v2-value", actor="admin@alquimista.test")
    random_rotation = store.rotate("webhook")

    assert (rotated.version, random_rotation.version) == (2, 3)
    current = store.get("webhook").reveal()
    assert current not in ("v1-value", "v2-value") and len(current) >= 32
    assert store.get("webhook", version=1).reveal() == "v1-value"
    assert [(m.version, m.current) for m in store.versions("webhook")] == [(1, False), (2, False), (3, True)]


def test_delete_removes_every_version(store):
    store.put("gone", VALUE)
    store.rotate("gone")

    store.delete("gone")

    with pytest.raises(SecretNotFound):
        store.get("gone")
    with pytest.raises(SecretNotFound):
        store.delete("gone")
    assert not store.exists("gone")


def test_list_by_tag_returns_names_and_versions_only(store):
    store.put("a/jwt", VALUE, tags={"tenant": "t-acme", "kind": "jwt"})
    store.put("a/webhook", VALUE, tags={"tenant": "t-acme", "kind": "webhook"})
    store.put("g/jwt", VALUE, tags={"tenant": "t-globex", "kind": "jwt"})
    store.rotate("a/jwt")

    acme = store.list(tags={"tenant": "t-acme"})
    acme_jwt = store.list(tags={"tenant": "t-acme", "kind": "jwt"})

    assert [(m.name, m.version) for m in acme] == [("a/jwt", 2), ("a/webhook", 1)]
    assert [m.name for m in acme_jwt] == ["a/jwt"]
    assert VALUE not in repr(acme)


def test_missing_secret_is_not_found(store):
    with pytest.raises(SecretNotFound):
        store.get("nope")
    with pytest.raises(SecretNotFound):
        store.rotate("nope")


def test_values_never_reach_logs_reprs_or_errors(store, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    store.put("loud", VALUE, tags={"tenant": "acme"})
    value = store.get("loud")
    store.rotate("loud", VALUE + "-2")
    try:
        store.put("loud", VALUE)
    except SecretAlreadyExists as exc:
        error_text = str(exc)

    logging.getLogger("test").info("got %s", value)
    captured = capsys.readouterr()
    assert VALUE not in caplog.text
    assert VALUE not in captured.out + captured.err
    assert VALUE not in repr(value) and VALUE not in str(value) and VALUE not in error_text
    assert VALUE not in repr(store.versions("loud"))


def test_secret_value_cannot_be_pickled_into_a_cache():
    with pytest.raises(TypeError):
        pickle.dumps(SecretValue(VALUE))


@pytest.mark.django_db
def test_local_store_keeps_only_ciphertext(settings):
    store = get_secret_store()
    store.put("enc", VALUE)

    row = SecretVersion.objects.get(name="enc")
    assert VALUE.encode() not in bytes(row.ciphertext)
    assert VALUE not in repr(row)


@pytest.mark.django_db
def test_local_store_with_another_key_cannot_read(tmp_path):
    LocalSecretStore(key=Fernet.generate_key().decode(), key_file=tmp_path / "k").put("keyed", VALUE)

    with pytest.raises(SecretStoreError):
        LocalSecretStore(key=Fernet.generate_key().decode(), key_file=tmp_path / "k").get("keyed")


@pytest.mark.django_db
def test_local_store_key_rotation_reads_old_ciphertexts(tmp_path):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    LocalSecretStore(key=old_key, key_file=tmp_path / "k").put("rolled", VALUE)

    assert LocalSecretStore(key=f"{new_key},{old_key}", key_file=tmp_path / "k").get("rolled").reveal() == VALUE


@pytest.mark.django_db
def test_ciphertext_moved_to_another_row_is_refused():
    store = get_secret_store()
    store.put("one", VALUE)
    store.put("two", "other")
    SecretVersion.objects.filter(name="two").update(ciphertext=SecretVersion.objects.get(name="one").ciphertext)

    with pytest.raises(SecretStoreError):
        store.get("two")


def test_invalid_key_is_a_clear_error(tmp_path):
    with pytest.raises(SecretStoreError, match="SECRET_STORE_KEY"):
        LocalSecretStore(key="not-a-key", key_file=tmp_path / "k")


@override_settings(SECRET_STORE={"BACKEND": "vault"})
def test_unknown_backend_is_named():
    with pytest.raises(SecretStoreError, match="vault"):
        get_secret_store()
