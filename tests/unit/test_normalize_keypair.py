"""normalize_keypair on Nova API-reference samples."""

from __future__ import annotations

from normalizer.normalize import Context, normalize_keypair

CTX = Context(cloud="mycloud", region_name="RegionOne", project_id="p1")
PUBLIC_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCkF3MX59OrlBs3dH5CU7lNmvpbrgZxSpyGjlnE8Flkirnc Generated-by-Nova\n"

# nova doc/api_samples/os-keypairs/v2.35/keypairs-list-resp.json, one item (wrapped).
LISTED = {"keypair": {"fingerprint": "7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd",
                      "name": "keypair-5d935425-31d5-48a7-a0f1-e76e9813f2c3", "type": "ssh",
                      "public_key": PUBLIC_KEY}}
# nova doc/api_samples/os-keypairs/keypairs-get-resp.json (2.1: no type), unwrapped.
SHOWN = {"created_at": "2014-05-07T12:06:13.681238", "deleted": False, "deleted_at": None,
         "fingerprint": "9d:00:f4:d7:26:6e:52:06:4c:c1:d3:1d:fd:06:66:01", "id": 1,
         "name": "keypair-3582d8b7-e588-4aad-b7f7-f4e76f0e4314", "public_key": PUBLIC_KEY,
         "updated_at": None, "user_id": "fake"}


def test_listed_keypair_is_unwrapped():
    kp = normalize_keypair(LISTED, CTX)
    assert (kp.name, kp.type, kp.public_key) == ("keypair-5d935425-31d5-48a7-a0f1-e76e9813f2c3", "ssh", PUBLIC_KEY)
    assert kp.fingerprint == "7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd"
    assert kp.properties == {}


def test_keypair_without_type_is_ssh():
    kp = normalize_keypair(SHOWN, CTX)
    assert kp.type == "ssh" and kp.name == "keypair-3582d8b7-e588-4aad-b7f7-f4e76f0e4314"
    assert set(kp.properties) == {"created_at", "deleted", "deleted_at", "id", "updated_at", "user_id"}
    assert kp.location.project.id == "p1"


def test_x509_keypair_and_junk():
    assert normalize_keypair({"name": "cert", "type": "x509"}, CTX).type == "x509"
    kp = normalize_keypair({"name": 5, "type": None, "public_key": ["x"]}, CTX)
    assert (kp.name, kp.type, kp.public_key) == (None, "ssh", None)
