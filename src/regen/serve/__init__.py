"""`regen serve`: the shipped models behind one local web app and HTTP API.

The audio endpoints speak OpenAI's audio API (`/v1/audio/speech`, `/v1/audio/transcriptions`,
`/v1/models`), so an OpenAI client pointed at the server's `base_url` works unchanged; music,
text and image endpoints sit beside them under `/v1/music`, `/v1/text` and `/v1/images`, and a
page at `/` uses them all. Each model is loaded once and runs one request at a time behind a
bounded queue (`regen.serve.limits`).
"""
