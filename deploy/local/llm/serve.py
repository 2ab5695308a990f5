"""Local OpenAI-compatible model endpoints for the stack: llama.cpp's own HTTP server (PyPI
`xllamacpp`, prebuilt) serving a chat model and an embedding model, one port each, because
xllamacpp serves one model per server.

Usage: python serve.py CHAT_GGUF CHAT_ALIAS CHAT_PORT EMBED_GGUF EMBED_ALIAS EMBED_PORT
Runs until SIGTERM/SIGINT.
"""
import signal
import sys

import xllamacpp as xlc


def start(model_path: str, alias: str, port: int, embedding: bool, n_ctx: int) -> "xlc.Server":
    params = xlc.CommonParams()
    params.model.path = model_path
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.model_alias = {alias}
    params.n_ctx = n_ctx
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.embedding = embedding
    server = xlc.Server(params)
    print(f"serving {alias} on http://{server.listening_address}/v1", flush=True)
    return server


def main() -> None:
    chat_gguf, chat_alias, chat_port, embed_gguf, embed_alias, embed_port = sys.argv[1:7]
    # Block the signals in every thread so that sigwait below, not a server thread, gets them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    servers = [
        start(chat_gguf, chat_alias, int(chat_port), embedding=False, n_ctx=4096),
        start(embed_gguf, embed_alias, int(embed_port), embedding=True, n_ctx=512),
    ]
    print("llm ready", flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    del servers


if __name__ == "__main__":
    main()
