"""normalizer.userdata: cloud-init text for step 7, multipart merging, Nova's size limit."""

from __future__ import annotations

import base64
import doctest
import email
import struct

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import normalizer.userdata as userdata
from normalizer.exceptions import ConfigError
from normalizer.userdata import (
    NOVA_USER_DATA_LIMIT,
    PUBLIC_KEY_TYPES,
    SUDO_NOPASSWD,
    content_type,
    merge_user_data,
    root_access,
    user_data_size_ok,
)


def make_key(key_type="ssh-ed25519", comment="ops@example", seed=0, blob_type=None):
    """A well-formed public key line: the blob opens with its length-prefixed type."""
    name = (blob_type or key_type).encode()
    body = bytes((seed + i) % 256 for i in range(32))
    blob = struct.pack(">I", len(name)) + name + struct.pack(">I", len(body)) + body
    line = f"{key_type} {base64.b64encode(blob).decode()}"
    return f"{line} {comment}" if comment else line


ED = make_key()
RSA = make_key("ssh-rsa", "deploy", seed=7)
# Private key text must never be echoed: a fake PEM body with a recognisable secret line.
SECRET = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQ"
OPENSSH_PRIVATE = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n"
RSA_PRIVATE = f"-----BEGIN RSA PRIVATE KEY-----\n{SECRET}\n-----END RSA PRIVATE KEY-----"
PUTTY_PRIVATE = f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n{SECRET}\n"


# --- root_access ----------------------------------------------------------------------


def test_root_gets_the_keys_and_password_login_goes_off():
    text = root_access([ED, RSA])
    assert text.startswith("#cloud-config\n")
    assert yaml.safe_load(text) == {"disable_root": False, "ssh_pwauth": False,
                                    "ssh_authorized_keys": [ED, RSA]}


def test_a_single_key_string_is_one_key():
    assert yaml.safe_load(root_access(ED + "\n"))["ssh_authorized_keys"] == [ED]


def test_named_user_gets_keys_and_sudo_and_root_stays_disabled():
    doc = yaml.safe_load(root_access([ED], user="ubuntu"))
    assert doc == {
        "disable_root": True,
        "ssh_pwauth": False,
        "users": ["default", {"name": "ubuntu", "sudo": SUDO_NOPASSWD, "lock_passwd": True,
                              "ssh_authorized_keys": [ED]}],
    }
    assert SUDO_NOPASSWD == "ALL=(ALL) NOPASSWD:ALL"
    assert "ssh_authorized_keys" not in doc   # root gets nothing at top level


def test_keeping_password_login_leaves_it_as_the_image_has_it():
    for doc in (yaml.safe_load(root_access([ED], disable_password_login=False)),
                yaml.safe_load(root_access([ED], False, user="cloud-user"))):
        assert "ssh_pwauth" not in doc
        assert "lock_passwd" not in str(doc)
    assert yaml.safe_load(root_access([ED], False)) == {"disable_root": False, "ssh_authorized_keys": [ED]}


def test_nothing_in_the_document_re_enables_passwords():
    for text in (root_access([ED]), root_access([ED], user="admin")):
        flat = str(yaml.safe_load(text))
        for word in ("passwd': False", "chpasswd", "password", "plain_text_passwd", "ssh_pwauth': True"):
            assert word not in flat


@pytest.mark.parametrize("key_type", PUBLIC_KEY_TYPES)
def test_every_accepted_key_type(key_type):
    key = make_key(key_type)
    assert yaml.safe_load(root_access(key))["ssh_authorized_keys"] == [key]


def test_keys_are_normalised_deduplicated_and_keep_their_order():
    spaced = ED.replace(" ", "   ", 1) + "  \n"
    bare = make_key(comment="", seed=3)
    doc = yaml.safe_load(root_access((RSA, spaced, ED, bare)))
    assert doc["ssh_authorized_keys"] == [RSA, ED, bare]


def test_a_comment_with_spaces_and_unicode_survives():
    key = make_key(comment="Zoë's laptop  (2024)")
    assert yaml.safe_load(root_access([key]))["ssh_authorized_keys"] == [key]


def test_a_set_of_keys_gives_the_same_text_every_time():
    assert root_access({ED, RSA}) == root_access({RSA, ED}) == root_access(sorted([ED, RSA]))


def test_a_very_long_key_stays_on_one_line():
    name = b"ssh-rsa"
    blob = struct.pack(">I", len(name)) + name + bytes(2100)
    key = f"ssh-rsa {base64.b64encode(blob).decode()} big"
    text = root_access([key])
    assert f"- {key}\n" in text


def _error(keys, **kwargs):
    with pytest.raises(ConfigError) as info:
        root_access(keys, **kwargs)
    err = info.value
    assert "\n" not in str(err) and err.hint, "one line, with what to do"
    return err


@pytest.mark.parametrize("secret_text", [OPENSSH_PRIVATE, RSA_PRIVATE, PUTTY_PRIVATE,
                                         OPENSSH_PRIVATE.replace("\n", " ")])
def test_a_private_key_is_refused_and_never_echoed(secret_text):
    err = _error([ED, secret_text])
    assert "key 2 of 2 is a private key" in str(err)
    for shown in (str(err), repr(err), str(err.to_dict())):
        assert SECRET not in shown and "BEGIN" not in shown


@pytest.mark.parametrize("keys, expected", [
    ([], "no SSH public key given"),
    ((), "no SSH public key given"),
    ([ED, "   "], "key 2 of 2 is empty"),
    ([f"{ED}\n{RSA}"], "key 1 of 1 spans several lines"),
    ([make_key("ssh-dss")], "key 1 of 1 is not an OpenSSH public key of an accepted type ('ssh-dss')"),
    (["hello world"], "key 1 of 1 is not an OpenSSH public key of an accepted type"),
    (["ssh-ed25519"], "key 1 of 1 (ssh-ed25519) has no valid key data"),
    (["ssh-ed25519 not*base64!"], "key 1 of 1 (ssh-ed25519) has no valid key data"),
    (["ssh-ed25519 QUFBQQ=="], "key 1 of 1 (ssh-ed25519) has no valid key data"),
    ([make_key("ssh-ed25519", blob_type="ssh-rsa")], "key 1 of 1 (ssh-ed25519) has no valid key data"),
    ([ED, b"ssh-ed25519 AAAA"], "key 2 of 2 is a bytes, not a string"),
    ([None], "key 1 of 1 is a NoneType"),
    (b"ssh-ed25519 AAAA", "keys must be a public key line or a list of them, not bytes"),
    ({"key": ED}, "not dict"),
    (42, "not int"),
])
def test_bad_keys_name_their_position(keys, expected):
    assert expected in str(_error(keys))


def test_junk_is_not_quoted_back():
    junk = "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 looks-like-a-body"
    assert "AAAAB3" not in str(_error([junk]))


def test_an_rfc4716_public_key_gets_a_conversion_hint():
    rfc = f"---- BEGIN SSH2 PUBLIC KEY ----\n{ED.split()[1]}\n---- END SSH2 PUBLIC KEY ----"
    assert "ssh-keygen -i" in _error([rfc]).hint


@pytest.mark.parametrize("user, expected", [
    ("root", "user=None"), ("default", "user=None"), ("", "login name"),
    ("Bad Name", "login name"), ("x" * 33, "login name"), (5, "login name"),
])
def test_bad_user_names_are_refused(user, expected):
    err = _error([ED], user=user)
    assert expected in str(err)


def test_disable_password_login_must_be_a_bool():
    assert "True or False" in str(_error([ED], disable_password_login="no"))


# --- content types --------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("#cloud-config\npackages: []\n", "text/cloud-config"),
    ("#!/bin/bash\necho hi\n", "text/x-shellscript"),
    ("#cloud-boothook\n#!/bin/sh\n", "text/cloud-boothook"),
    ("#include\nhttps://example.com/a\n", "text/x-include-url"),
    ("#include-once\nhttps://example.com/a\n", "text/x-include-once-url"),
    ("## template: jinja\n#cloud-config\n", "text/jinja2"),
    ("#cloud-config-archive\n- type: text/cloud-config\n", "text/cloud-config-archive"),
    ("#part-handler\ndef list_types(): ...\n", "text/part-handler"),
    ("\n  #CLOUD-CONFIG\n", "text/cloud-config"),
    ("packages: [htop]\n", "text/plain"),
    ("# a comment\n", "text/plain"),
])
def test_content_type_follows_cloud_inits_header_table(text, expected):
    assert content_type(text) == expected


# --- merge_user_data ------------------------------------------------------------------


def parts_of(text):
    message = email.message_from_string(text)
    assert message.get_content_type() == "multipart/mixed"
    parts = [p for p in message.walk() if not p.is_multipart()]
    return [(p.get_content_type(), p.get_payload(decode=True).decode(p.get_content_charset()),
             p.get_filename()) for p in parts]


def test_a_single_part_is_returned_unchanged():
    script = "#!/bin/sh\necho hi"
    assert merge_user_data(script) == script
    assert merge_user_data(None, "", script, "  \n") == script
    assert merge_user_data(b"#cloud-config\n{}\n") == "#cloud-config\n{}\n"


def test_nothing_gives_empty_text():
    assert merge_user_data() == "" and merge_user_data(None, "", b"") == ""


def test_two_parts_become_multipart_in_order():
    script = "#!/bin/sh\necho 'héllo'\n"
    config = root_access([ED])
    text = merge_user_data(script, None, config.encode())
    assert parts_of(text) == [("text/x-shellscript", script, "part-001"),
                              ("text/cloud-config", config, "part-002")]
    assert text.startswith("Content-Type: multipart/mixed;")
    assert "MIME-Version: 1.0" in text.split("\n\n", 1)[0]   # cloud-init's MIME marker
    assert yaml.safe_load(parts_of(text)[1][1]) == yaml.safe_load(config)


def test_unknown_content_is_text_plain_for_cloud_init_to_sniff():
    text = merge_user_data("hello\n", "#cloud-config\n{}\n", "#include\nhttps://example.com/x\n")
    assert [t for t, _, _ in parts_of(text)] == ["text/plain", "text/cloud-config", "text/x-include-url"]


def test_a_multipart_part_is_refused_unless_alone():
    nested = merge_user_data("#!/bin/sh\n", "#cloud-config\n{}\n")
    assert merge_user_data(nested) == nested
    with pytest.raises(ConfigError) as info:
        merge_user_data("#cloud-config\n{}\n", nested)
    assert "part 2 is already a multipart MIME document" in str(info.value) and info.value.hint


def test_a_single_mime_entity_keeps_its_declared_type():
    entity = ("Content-Type: text/x-shellscript-per-boot\nMIME-Version: 1.0\n"
              "Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"#!/bin/sh\ndate\n").decode() + "\n")
    assert parts_of(merge_user_data(entity, "#cloud-config\n{}\n"))[0][:2] == (
        "text/x-shellscript-per-boot", "#!/bin/sh\ndate\n")


def test_a_script_that_mentions_mime_is_still_a_script():
    script = "#!/bin/sh\necho 'MIME-Version: 1.0'\necho 'Content-Type: multipart/mixed'\n"
    assert parts_of(merge_user_data(script, "#cloud-config\n{}\n"))[0][:2] == ("text/x-shellscript", script)


@pytest.mark.parametrize("part, expected", [
    (b"\x1f\x8b\x08\x00rest", "part 2 is gzip-compressed"),
    (b"\xff\xfe#!/bin/sh", "part 2 is not UTF-8 text"),
    (42, "part 2 is a int"),
    ("Content-Type: application/octet-stream\nMIME-Version: 1.0\n\nxx\n", "MIME application/octet-stream"),
])
def test_unusable_parts_are_refused(part, expected):
    with pytest.raises(ConfigError) as info:
        merge_user_data("#!/bin/sh\n", part)
    assert expected in str(info.value) and info.value.hint


def test_the_same_inputs_give_the_same_text():
    first = merge_user_data("#!/bin/sh\necho 1\n", root_access([ED, RSA]))
    again = merge_user_data("#!/bin/sh\necho 1\n", root_access([ED, RSA]))
    other = merge_user_data("#!/bin/sh\necho 2\n", root_access([ED, RSA]))
    assert first == again
    assert first != other and "Date:" not in first


def test_the_boundary_never_occurs_in_a_part(monkeypatch):
    class FixedHash:
        def update(self, _data):
            pass

        def hexdigest(self):
            return "0" * 64

    monkeypatch.setattr(userdata.hashlib, "sha256", FixedHash)
    taken = f"==normalizer-{'0' * 32}=="
    text = merge_user_data(f"#!/bin/sh\necho '{taken}'\n", "#cloud-config\n{}\n")
    assert f'boundary="==normalizer-{"0" * 32}-1=="' in text
    assert parts_of(text)[0][1] == f"#!/bin/sh\necho '{taken}'\n"


def test_line_endings_become_newlines_in_every_part():
    text = merge_user_data("#!/bin/sh\r\necho hi\r\n", "#!/bin/sh\r\necho 'hé'\rdate\n")
    assert [payload for _, payload, _ in parts_of(text)] == ["#!/bin/sh\necho hi\n", "#!/bin/sh\necho 'hé'\ndate\n"]
    assert merge_user_data("#!/bin/sh\r\n") == "#!/bin/sh\r\n"   # a single part is untouched


part_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1)


@settings(max_examples=60, deadline=None)
@given(st.lists(part_text.filter(lambda t: t.strip() and "mime-version:" not in t[:4096].lower()),
                min_size=2, max_size=4))
def test_merging_keeps_every_payload_but_line_endings(texts):
    expected = [t.replace("\r\n", "\n").replace("\r", "\n") for t in texts]
    assert [payload for _, payload, _ in parts_of(merge_user_data(*texts))] == expected


# --- size -----------------------------------------------------------------------------


def test_size_is_measured_on_the_base64_text_nova_receives():
    assert NOVA_USER_DATA_LIMIT == 65535
    assert user_data_size_ok("x" * 49149) and not user_data_size_ok("x" * 49150)
    assert user_data_size_ok("é" * 24574) and not user_data_size_ok("é" * 24575)   # 2 bytes each
    assert user_data_size_ok(b"x" * 3, limit=4) and not user_data_size_ok(b"x" * 4, limit=4)
    assert user_data_size_ok(merge_user_data("#!/bin/sh\n", root_access([ED, RSA], user="ubuntu")))


def test_docstring_examples_hold():
    failures, attempted = doctest.testmod(userdata, optionflags=doctest.ELLIPSIS)
    assert attempted >= 8 and failures == 0
