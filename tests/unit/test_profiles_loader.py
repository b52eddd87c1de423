"""Search path, reading, status handling, regions and layers of the profile loader."""

import os
import textwrap
import warnings
from pathlib import Path

import pytest

from normalizer.exceptions import ProfileError, ProfileShutdownError, UnknownProfileError
from normalizer.profiles import ProfileDeprecationWarning, list_profiles, load_profile
from normalizer.profiles import loader
from normalizer.profiles.loader import check_profile_file, profile_dirs, resolve_profile

BUNDLED = Path(__file__).resolve().parents[2] / "vendor_profiles"


def write(directory, name, text):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def profile_text(name, display="Mine", extra=""):
    return f"name: {name}\ndisplay_name: {display}\nstatus: active\n" + textwrap.dedent(extra)


@pytest.fixture
def env_dir(tmp_path, monkeypatch):
    directory = tmp_path / "envprofiles"
    directory.mkdir()
    monkeypatch.setenv("NORMALIZER_PROFILE_PATH", str(directory))
    return directory


@pytest.fixture
def user_dir(tmp_path):
    return Path(os.environ["XDG_CONFIG_HOME"]) / "normalizer" / "profiles"


# --- search path ---------------------------------------------------------------------------


def test_bundled_profiles_are_listed_sorted_without_defaults():
    names = list_profiles()
    assert names == sorted(names)
    assert {"generic", "vexxhost", "citycloud", "rackspace", "ovh", "hpcloud", "dreamhost"} <= set(names)
    assert "_defaults" not in names


def test_search_path_order_is_env_then_user_then_bundle(tmp_path, monkeypatch, user_dir):
    first, second = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("NORMALIZER_PROFILE_PATH", os.pathsep.join([str(first), "", str(second)]))
    labels = [label for label, _ in profile_dirs()]
    assert labels == [str(first), str(second), str(user_dir), "vendor_profiles"]


def test_user_dir_defaults_to_dot_config(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    expected = Path(os.environ["HOME"]) / ".config" / "normalizer" / "profiles"
    assert profile_dirs()[-2][0] == str(expected)


def test_user_dir_shadows_a_bundled_profile(user_dir):
    write(user_dir, "generic.yaml", profile_text("generic", "User generic"))
    assert load_profile("generic").display_name == "User generic"


def test_env_path_shadows_user_dir_and_bundle(env_dir, user_dir):
    write(user_dir, "generic.yaml", profile_text("generic", "User generic"))
    write(env_dir, "generic.yaml", profile_text("generic", "Env generic"))
    assert load_profile("generic").display_name == "Env generic"


def test_env_path_is_read_at_call_time(tmp_path, monkeypatch):
    assert "mycloud" not in list_profiles()
    directory = tmp_path / "late"
    write(directory, "mycloud.yaml", profile_text("mycloud"))
    monkeypatch.setenv("NORMALIZER_PROFILE_PATH", str(directory))
    assert "mycloud" in list_profiles()
    assert load_profile("mycloud").name == "mycloud"


def test_list_profiles_skips_other_files_and_missing_dirs(env_dir, monkeypatch):
    write(env_dir, "good.yaml", profile_text("good"))
    write(env_dir, "notes.txt", "x")
    write(env_dir, "other.yml", "x")
    write(env_dir, "bad name.yaml", "x")
    write(env_dir, "_private.yaml", "x")
    monkeypatch.setenv("NORMALIZER_PROFILE_PATH", os.pathsep.join([str(env_dir), "/nonexistent/dir"]))
    names = list_profiles()
    assert "good" in names
    assert not {"notes", "other", "bad name", "_private"} & set(names)


def test_defaults_always_come_from_the_bundle(user_dir, env_dir):
    write(user_dir, "_defaults.yaml", "transport: {timeout: 1}\n")
    write(env_dir, "_defaults.yaml", "transport: {timeout: 2}\n")
    assert load_profile("generic").transport.timeout == 60


def test_bundle_found_through_importlib_resources(tmp_path, monkeypatch):
    bundle = tmp_path / "bundle"
    write(bundle, "_defaults.yaml", (BUNDLED / "_defaults.yaml").read_text())
    write(bundle, "onlyhere.yaml", profile_text("onlyhere"))
    calls = []

    def files(package):
        calls.append(package)
        return bundle

    monkeypatch.setattr(loader.importlib.resources, "files", files)
    assert "onlyhere" in list_profiles()
    assert calls[0] == "normalizer.vendor_profiles"


def test_bundle_falls_back_to_the_source_tree(monkeypatch):
    def files(package):
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(loader.importlib.resources, "files", files)
    assert profile_dirs()[-1][1] == BUNDLED
    assert load_profile("generic").name == "generic"


# --- names and status ------------------------------------------------------------------------


def test_unknown_name_lists_known_profiles():
    with pytest.raises(UnknownProfileError) as info:
        load_profile("vexhost")
    err = info.value
    assert isinstance(err, LookupError)
    assert err.message == "unknown profile 'vexhost'"
    assert "did you mean 'vexxhost'?" in err.hint
    assert "known profiles: " in err.hint and "citycloud" in err.hint and "generic" in err.hint
    assert err.known == list_profiles()


@pytest.mark.parametrize("name", ["../generic", "a/b", "", "generic.yaml", "_defaults", 3])
def test_invalid_names_are_unknown_profiles(name):
    with pytest.raises(UnknownProfileError, match="invalid profile name"):
        load_profile(name)


def test_none_and_no_name_mean_generic():
    assert load_profile().name == "generic"
    assert load_profile(None).name == "generic"


def test_shutdown_profile_raises_with_its_message():
    with pytest.raises(ProfileShutdownError) as info:
        load_profile("hpcloud")
    assert "profile 'hpcloud' is shut down: HP Helion Public Cloud was shut down in 2016" in str(info.value)
    assert info.value.hint
    assert resolve_profile("hpcloud").status == "shutdown"


def test_deprecated_profile_warns_and_loads():
    with pytest.warns(ProfileDeprecationWarning, match="profile 'dreamhost' is deprecated: .*dreamcompute"):
        profile = load_profile("dreamhost")
    assert profile.status == "deprecated" and profile.name == "dreamhost"
    assert issubclass(ProfileDeprecationWarning, UserWarning)


def test_active_profile_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_profile("generic")


def test_user_profile_can_be_shutdown_too(env_dir):
    write(env_dir, "old.yaml", "name: old\ndisplay_name: Old\nstatus: shutdown\nmessage: gone since 2020\n")
    with pytest.raises(ProfileShutdownError, match="gone since 2020"):
        load_profile("old")


# --- reading errors ---------------------------------------------------------------------------


def test_name_must_match_file_stem(env_dir):
    path = write(env_dir, "mine.yaml", profile_text("theirs"))
    with pytest.raises(ProfileError) as info:
        load_profile("mine")
    assert str(info.value).startswith(f"{path}: name: 'theirs' does not match the file name 'mine'")
    assert info.value.pointer == "name"


@pytest.mark.parametrize("text, words", [
    ("name: a\n b: c\n", "line 2: invalid YAML: mapping values are not allowed here"),
    ("", "(top level): must be a mapping of profile keys, got an empty file"),
    ("- a\n- b\n", "(top level): must be a mapping of profile keys, got list"),
    ("!!python/object/apply:os.system ['true']\n", "invalid YAML"),
])
def test_unreadable_documents_are_profile_errors(env_dir, text, words):
    path = write(env_dir, "broken.yaml", text)
    with pytest.raises(ProfileError) as info:
        load_profile("broken")
    assert str(info.value).startswith(f"{path}: ") and words in str(info.value)


def test_non_utf8_file_is_a_profile_error(env_dir):
    (env_dir / "latin.yaml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ProfileError, match="cannot read the file"):
        load_profile("latin")


def test_schema_errors_name_the_user_file(env_dir):
    path = write(env_dir, "mine.yaml", profile_text("mine", extra="network:\n  networks:\n    - name: a\n      nat_sorce: true\n"))
    with pytest.raises(ProfileError) as info:
        load_profile("mine")
    assert str(info.value).startswith(f"{path}: network.networks[0].nat_sorce: unknown key")


# --- regions and layers --------------------------------------------------------------------------

REGIONAL = """
    transport:
      timeout: 10
    network:
      public_access: direct
    regions:
      R1:
        transport: {timeout: 20}
        network: {public_access: floating_ip, floating_ip_api: neutron}
      R2: {}
"""


def test_region_block_overrides_top_level(env_dir):
    write(env_dir, "mine.yaml", profile_text("mine", extra=REGIONAL))
    r1 = load_profile("mine", region_name="R1")
    assert r1.region_name == "R1" and r1.transport.timeout == 20
    assert r1.network.public_access == "floating_ip" and r1.network.floating_ip_api == "neutron"
    assert r1.transport.connect_retries == 2  # untouched defaults survive
    for region in ("R2", "unlisted", None):
        profile = load_profile("mine", region_name=region)
        assert profile.transport.timeout == 10 and profile.network.public_access == "direct"


def test_layers_apply_after_the_region_in_order(env_dir):
    write(env_dir, "mine.yaml", profile_text("mine", extra=REGIONAL))
    layers = [
        ("clouds.yaml cloud 'x'", {"transport": {"timeout": 30, "status_retries": 9}}),
        ("keyword arguments", {"transport": {"timeout": 40}}),
    ]
    profile = load_profile("mine", region_name="R1", layers=layers)
    assert profile.transport.timeout == 40 and profile.transport.status_retries == 9
    assert profile.network.public_access == "floating_ip"


def test_a_layer_can_carry_its_own_region_blocks():
    layers = [("clouds.yaml cloud 'x'", {"network": {"prefer_ipv6": False},
                                         "regions": {"R9": {"network": {"prefer_ipv6": True}}}})]
    assert load_profile("generic", region_name="R9", layers=layers).network.prefer_ipv6 is True
    assert load_profile("generic", region_name="R8", layers=layers).network.prefer_ipv6 is False


def test_a_layer_can_unset_with_null():
    profile = load_profile("generic", layers=[("kwargs", {"transport": {"retry_statuses": None}})])
    assert profile.transport.retry_statuses == ()
    assert profile.get("transport.retry_statuses", "absent") is None


def test_layer_errors_carry_the_layer_label():
    label = "clouds.yaml cloud 'x' networks:"
    layers = [("ok", {}), (label, {"network": {"networks": [{"name": "a", "nat_sorce": True}]}})]
    with pytest.raises(ProfileError) as info:
        load_profile("generic", layers=layers)
    assert str(info.value).startswith(f"{label} network.networks[0].nat_sorce: unknown key")
    assert info.value.source == label


def test_layers_are_validated_before_merging(monkeypatch):
    merged = []
    monkeypatch.setattr(loader, "merge", lambda a, b: merged.append(1) or {**a, **b})
    with pytest.raises(ProfileError, match="^late: transport.timeout: must be > 0"):
        load_profile("generic", layers=[("early", {}), ("late", {"transport": {"timeout": 0}})])
    assert merged == []


def test_layer_that_is_not_a_mapping_is_an_error():
    with pytest.raises(ProfileError, match=r"^kwargs: \(top level\): must be a mapping, got list"):
        load_profile("generic", layers=[("kwargs", ["x"])])
    with pytest.raises(ProfileError, match=r"^profile layers must be \(label, mapping\) pairs"):
        load_profile("generic", layers=[{"network": {}}])


def test_region_name_appears_in_merged_errors():
    layers = [("a", {"network": {"public_access": "floating_ip", "floating_ip_api": None}}),
              ("b", {"network": {"floating_ip_api": "none"}})]
    with pytest.raises(ProfileError, match=r"^profile 'generic' \(merged from vendor_profiles/generic.yaml, "
                                           r"region 'R1', 2 layer\(s\)\): "):
        load_profile("generic", region_name="R1", layers=layers)


def test_merged_result_is_validated_again():
    # each document is fine alone; together they contradict each other
    layers = [("a", {"network": {"public_access": "floating_ip"}}), ("b", {"network": {"floating_ip_api": "none"}})]
    with pytest.raises(ProfileError) as info:
        load_profile("generic", layers=layers)
    assert str(info.value).startswith("profile 'generic' (merged from vendor_profiles/generic.yaml, 2 layer(s)): ")
    assert "network.floating_ip_api: is none but public_access is floating_ip" in str(info.value)


def test_layer_cannot_null_a_required_transport_value():
    with pytest.raises(ProfileError, match="transport.timeout: must not be null"):
        load_profile("generic", layers=[("kwargs", {"transport": {"timeout": None}})])


def test_loading_does_not_mutate_layers():
    layer = {"network": {"networks": [{"name": "a", "nat_destination": True}]}}
    load_profile("generic", layers=[("kwargs", layer)])
    assert layer == {"network": {"networks": [{"name": "a", "nat_destination": True}]}}


# --- check_profile_file ----------------------------------------------------------------------------


def test_check_profile_file_builds_every_region(env_dir):
    path = write(env_dir, "mine.yaml", profile_text("mine", extra=REGIONAL))
    profiles = check_profile_file(path)
    assert [p.region_name for p in profiles] == [None, "R1", "R2"]
    assert [p.transport.timeout for p in profiles] == [10, 20, 10]


def test_check_profile_file_refuses_other_extensions(env_dir):
    path = write(env_dir, "mine.yml", profile_text("mine"))
    with pytest.raises(ProfileError, match=r"profile files must be named <name>\.yaml"):
        check_profile_file(path)


def test_an_edited_file_is_read_again(env_dir):
    path = write(env_dir, "mine.yaml", profile_text("mine", "First"))
    assert load_profile("mine").display_name == "First"
    write(env_dir, "mine.yaml", profile_text("mine", "Second one"))
    os.utime(path, ns=(1, 1))
    assert load_profile("mine").display_name == "Second one"


# --- reuse of assembled profiles -------------------------------------------------------------


def test_clouds_with_the_same_profile_and_settings_share_one_assembled_profile(env_dir):
    layer = [("clouds.yaml", {"network": {"prefer_ipv6": True}})]
    first = load_profile("generic", region_name="r1", layers=layer)
    assert load_profile("generic", region_name="r1", layers=[("clouds.yaml", {"network": {"prefer_ipv6": True}})]) \
        is first
    assert load_profile("generic", region_name="r2", layers=layer) is not first
    assert load_profile("generic", region_name="r1", layers=[("clouds.yaml", {})]).network.prefer_ipv6 is False


def test_a_profile_file_changed_on_disk_is_assembled_again(env_dir):
    path = write(env_dir, "mine.yaml", profile_text("mine", display="One"))
    assert load_profile("mine").display_name == "One"
    path.write_text(profile_text("mine", display="Two, longer"), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # an mtime of its own, whatever the clock's resolution
    assert load_profile("mine").display_name == "Two, longer"


def test_layers_that_are_not_plain_data_are_assembled_every_time():
    assert loader._assembly_key("b", None, None, [("kw", {"x": object()})]) is None
    with pytest.raises(ProfileError):
        load_profile("generic", layers=[("kw", {"network": object()})])
