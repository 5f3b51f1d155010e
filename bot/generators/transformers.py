"""Generator on Hugging Face transformers: a model folder, a hub id, or a GGUF converted once.

A GGUF (a path or a packaged name) is dequantised by transformers' GGUF loader, which is slow
(tens of seconds for 0.5B on CPU), so the converted model is saved under
``cache_dir/hf-<stem>`` and later starts load that folder instead.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from knowledge.errors import MissingExtra, ModelError

from .base import Generator, Message, cut_at_stop, within_deadline
from .models import packaged_model, resolve_gguf

__all__ = ["TransformersGenerator"]

_DONE = "converted.ok"  # written last into a converted folder: its presence means complete


class TransformersGenerator(Generator):
    """Runs a causal LM with its tokenizer's chat template; bf16 on GPU, float32 on CPU."""

    name = "transformers"

    def __init__(
        self,
        model: str,
        *,
        cache_dir: Path,
        max_tokens: int = 160,
        temperature: float = 0.0,
        timeout_s: float | None = None,
    ):
        try:
            import torch
            import transformers
        except ImportError:
            raise MissingExtra(
                "transformers", "transformers", "the transformers generator"
            ) from None
        self._torch, self._tf = torch, transformers
        self.max_tokens, self.temperature, self.timeout_s = max_tokens, temperature, timeout_s
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self._dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self._lock = threading.Lock()  # one generation at a time: CPU cores are the bottleneck
        try:
            self.model, self.tokenizer = self._load(model, Path(cache_dir))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"transformers could not load {model!r}: {exc}") from exc
        self.model.eval()

    def _load(self, model: str, cache_dir: Path) -> tuple[Any, Any]:
        if Path(model).expanduser().is_dir():
            return self._from_pretrained(str(Path(model).expanduser()))
        if packaged_model(model) is not None or model.lower().endswith(".gguf"):
            return self._from_gguf(resolve_gguf(model, cache_dir), cache_dir)
        return self._from_pretrained(model, cache_dir=str(cache_dir / "hub"))

    def _from_pretrained(self, source: str, **kwargs: Any) -> tuple[Any, Any]:
        tokenizer = self._tf.AutoTokenizer.from_pretrained(source, **kwargs)
        extra = {"device_map": "auto"} if self.device == "cuda" else {}
        model = self._tf.AutoModelForCausalLM.from_pretrained(
            source, dtype=self._dtype, **extra, **kwargs
        )
        return model, tokenizer

    def _from_gguf(self, gguf: Path, cache_dir: Path) -> tuple[Any, Any]:
        converted = cache_dir / f"hf-{gguf.stem}"
        if (converted / _DONE).is_file():
            return self._from_pretrained(str(converted))
        for package in ("gguf", "accelerate"):  # transformers' GGUF loader needs both
            if importlib.util.find_spec(package) is None:
                raise MissingExtra(package, "gpu", "loading a GGUF model with transformers")
        kwargs = {"gguf_file": gguf.name}
        tokenizer = self._tf.AutoTokenizer.from_pretrained(str(gguf.parent), **kwargs)
        model = self._tf.AutoModelForCausalLM.from_pretrained(
            str(gguf.parent),
            dtype=self._torch.float32,
            quantization_config=self._tf.GgufConfig(dequantize=True),
            **kwargs,
        )
        # Fully dequantised, the model is a plain dense one; drop a GGUF quantizer left attached
        # (it refuses save_pretrained) so that it saves as an ordinary checkpoint.
        if (quantizer := getattr(model, "hf_quantizer", None)) is not None:
            quantizer.remove_quantization_config(model)
        # Save in bf16 (half the disk and load time) and serve the same rounded weights now, so the
        # first start answers exactly as every later one.
        model = model.to(self._torch.bfloat16)
        self._save(model, tokenizer, converted)
        return model.to(self._dtype).to(self.device), tokenizer

    @staticmethod
    def _save(model: Any, tokenizer: Any, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            (tmp / _DONE).write_text("ok\n")
            shutil.rmtree(target, ignore_errors=True)  # an earlier, unfinished conversion
            tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes, by the model's own tokenizer."""
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield decoded text as ``generate`` produces it (in a worker thread)."""
        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.model.device)
        streamer = self._tf.TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True
        )
        cancelled = threading.Event()
        failure: list[BaseException] = []
        kwargs: dict[str, Any] = dict(
            **inputs,
            streamer=streamer,
            max_new_tokens=max_tokens or self.max_tokens,
            do_sample=self.temperature > 0,
            stopping_criteria=self._tf.StoppingCriteriaList([_cancel_when(self._tf, cancelled)]),
            pad_token_id=(
                self.tokenizer.eos_token_id
                if self.tokenizer.pad_token_id is None
                else self.tokenizer.pad_token_id
            ),
        )
        if self.temperature > 0:
            kwargs["temperature"] = self.temperature
        else:  # greedy: silence the sampling defaults from generation_config
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if stop:
            kwargs.update(stop_strings=stop, tokenizer=self.tokenizer)
        if self.timeout_s:
            kwargs["max_time"] = self.timeout_s

        def work() -> None:
            try:
                with self._torch.inference_mode():
                    self.model.generate(**kwargs)
            except BaseException as exc:  # surfaced in the caller's thread below
                failure.append(exc)
                streamer.end()

        with self._lock:
            worker = threading.Thread(target=work, name="transformers-generate", daemon=True)
            worker.start()
            try:
                pieces = (p for p in streamer if p)  # the streamer emits empty strings too
                yield from within_deadline(cut_at_stop(pieces, stop), self.timeout_s)
            finally:
                cancelled.set()  # the consumer may have stopped early: end generate() too
                worker.join()
        if failure:
            raise ModelError(f"generation failed: {failure[0]}") from failure[0]


def _cancel_when(tf: Any, event: threading.Event) -> Any:
    """A stopping criterion that ends generation once ``event`` is set."""
    import torch

    class _Cancelled(tf.StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool)

    return _Cancelled()
