"""Every shipped config file loads and validates."""

from __future__ import annotations

from training.configs import CONFIG_DIR, load_shipped


def test_every_shipped_tokenizer_config_loads() -> None:
    names = sorted(p.stem for p in CONFIG_DIR.glob("tokenizer_*.yaml"))
    assert names
    for name in names:
        cfg = load_shipped(name)
        assert cfg.model.codebook_size == 512 and cfg.model.code_dim == 512
        assert cfg.model.downsampling == 4


def test_every_shipped_sft_config_loads() -> None:
    from training.sft.config import SFTConfig

    files = sorted(CONFIG_DIR.glob("sft_*.yaml"))
    assert files
    for path in files:
        cfg = SFTConfig.from_file(path)
        assert (cfg.lora_rank, cfg.lora_alpha, cfg.lora_dropout) == (32, 32, 0.1)
        assert cfg.loss_on_prompt and cfg.chat_template == "gemma"
