// The page's calls to the regen API: each button sends one request and shows what comes back.
"use strict";
const cfg = window.REGEN || { models: {}, voices: {} };
const $ = (id) => document.getElementById(id);
const kinds = new Set(Object.values(cfg.models));

function status(id, text, isError) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("error", !!isError);
}

async function call(url, options, statusId) {
  // fetch with a status line; resolves to the Response, or null after showing the server's message
  status(statusId, "working…");
  const started = performance.now();
  let response;
  try {
    response = await fetch(url, options);
  } catch (err) {
    status(statusId, "the server cannot be reached: " + err.message, true);
    return null;
  }
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    status(statusId, message, true);
    return null;
  }
  status(statusId, "done in " + ((performance.now() - started) / 1000).toFixed(1) + " s");
  return response;
}

function json(body) {
  return { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

async function busy(button, work) {
  button.disabled = true;
  try { await work(); } finally { button.disabled = false; }
}

function dataUrl(media, b64) { return "data:" + media + ";base64," + b64; }

function showScore(item, prefix, stem) {
  $(prefix + "-image").src = dataUrl("image/png", item.png);
  $(prefix + "-audio").src = dataUrl("audio/wav", item.wav);
  const links = $(prefix + "-links");
  links.textContent = "";
  for (const [kind, media, ext] of [["musicxml", "application/vnd.recordare.musicxml+xml", "musicxml"],
                                    ["midi", "audio/midi", "mid"]]) {
    const a = document.createElement("a");
    a.href = dataUrl(media, item[kind]);
    a.download = stem + "." + ext;
    a.textContent = "download " + ext;
    links.append(a, " ");
  }
}

// which sections this server can answer
for (const section of document.querySelectorAll("section[data-kind]")) {
  if (!kinds.has(section.dataset.kind)) section.classList.add("absent");
}

// ---- speak
const ttsModels = Object.keys(cfg.voices || {});
for (const name of ttsModels) $("say-model").append(new Option(name, name));
function fillVoices() {
  const voices = (cfg.voices || {})[$("say-model").value] || [];
  const select = $("say-voice");
  select.textContent = "";
  for (const v of voices) select.append(new Option(v, v));
  select.disabled = voices.length === 0;
  $("say-rate").disabled = $("say-pitch").disabled = voices.length === 0;
}
$("say-model").addEventListener("change", fillVoices);
fillVoices();
$("say-rate").addEventListener("input", () => { $("say-rate-out").textContent = Number($("say-rate").value).toFixed(2); });
$("say-pitch").addEventListener("input", () => { $("say-pitch-out").textContent = $("say-pitch").value; });
$("say-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const body = { model: $("say-model").value, input: $("say-text").value, response_format: "wav" };
  if (!$("say-voice").disabled) {
    body.voice = $("say-voice").value;
    body.speed = Number($("say-rate").value);
    body.pitch_shift = Number($("say-pitch").value);
  }
  const response = await call("/v1/audio/speech", json(body), "say-status");
  if (!response) return;
  const audio = $("say-audio");
  if (audio.src.startsWith("blob:")) URL.revokeObjectURL(audio.src);
  audio.src = URL.createObjectURL(await response.blob());
  audio.play().catch(() => {});
}));

// ---- transcribe (an upload, or a recording made here and sent as 16-bit WAV)
let recorded = null;
function wavFile(samples, rate) {
  const buffer = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(buffer);
  const text = (offset, s) => { for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i)); };
  text(0, "RIFF"); view.setUint32(4, 36 + samples.length * 2, true); text(8, "WAVE");
  text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true);
  view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, samples[i])) * 32767, true);
  }
  return new File([buffer], "recording.wav", { type: "audio/wav" });
}
let recording = null;
$("asr-record").addEventListener("click", async () => {
  if (recording) {  // stop
    recording.stop();
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (err) {
    status("asr-status", "no microphone: " + err.message, true);
    return;
  }
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const node = context.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  node.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  source.connect(node); node.connect(context.destination);
  $("asr-record").textContent = "Stop";
  status("asr-status", "recording… press Stop when done");
  recording = { stop: () => {
    node.disconnect(); source.disconnect(); stream.getTracks().forEach((t) => t.stop());
    const length = chunks.reduce((n, c) => n + c.length, 0);
    const all = new Float32Array(length);
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    recorded = wavFile(all, context.sampleRate);
    context.close();
    recording = null;
    $("asr-record").textContent = "Record";
    status("asr-status", "recorded " + (length / context.sampleRate).toFixed(1) + " s; press Transcribe");
  } };
});
$("asr-file").addEventListener("change", () => { recorded = null; });
$("asr-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const file = recorded || $("asr-file").files[0];
  if (!file) { status("asr-status", "choose an audio file or record one first", true); return; }
  const form = new FormData();
  form.append("file", file);
  form.append("model", "whisper-1");
  form.append("response_format", "verbose_json");
  const response = await call("/v1/audio/transcriptions", { method: "POST", body: form }, "asr-status");
  if (!response) return;
  const result = await response.json();
  $("asr-text").textContent = result.text || "(no speech found)";
  $("asr-srt").textContent = result.segments.map((s) =>
    s.start.toFixed(2) + "–" + s.end.toFixed(2) + " s  " + s.text).join("\n");
}));

// ---- harmonize / chorale
$("harm-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const file = $("harm-file").files[0];
  if (!file) { status("harm-status", "choose a MIDI or MusicXML melody first", true); return; }
  const form = new FormData();
  form.append("file", file);
  const response = await call("/v1/music/harmonize", { method: "POST", body: form }, "harm-status");
  if (!response) return;
  const result = await response.json();
  showScore(result.data[0], "harm", "harmonized");
  if (result.data[0].warnings.length) status("harm-status", $("harm-status").textContent + "; " + result.data[0].warnings.join("; "));
}));
$("chorale-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const seed = Math.floor(Math.random() * 100000);
  const response = await call("/v1/music/chorales", json({ n: 1, seed: seed }), "harm-status");
  if (!response) return;
  showScore((await response.json()).data[0], "harm", "chorale-" + seed);
}));

// ---- melody
$("mel-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const body = { lyrics: $("mel-lyrics").value, key: $("mel-key").value, meter: $("mel-meter").value,
                 seed: Math.floor(Math.random() * 100000) };
  const response = await call("/v1/music/melody", json(body), "mel-status");
  if (!response) return;
  showScore((await response.json()).data[0], "mel", "melody");
}));

// ---- text
function showSentences(result) {
  const list = $("text-out");
  list.textContent = "";
  for (const item of result.data) {
    const li = document.createElement("li");
    li.textContent = item.text + (item.template ? "   [" + item.template + "]" : "");
    list.append(li);
  }
  if (result.note) status("text-status", result.note);
}
$("text-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const body = { template: $("text-template").value, n: 4, seed: Math.floor(Math.random() * 100000) };
  const response = await call("/v1/text/sentences", json(body), "text-status");
  if (response) showSentences(await response.json());
}));
$("keywords-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const body = { keywords: $("text-keywords").value, n: 4, seed: Math.floor(Math.random() * 100000) };
  const response = await call("/v1/text/from-keywords", json(body), "text-status");
  if (response) showSentences(await response.json());
}));

// ---- digits
for (let d = 0; d < 10; d++) $("digit-class").append(new Option(String(d), String(d)));
$("digit-button").addEventListener("click", (ev) => busy(ev.target, async () => {
  const body = { digit: Number($("digit-class").value), n: 8, seed: Math.floor(Math.random() * 100000) };
  const response = await call("/v1/images/digits", json(body), "digit-status");
  if (!response) return;
  const img = $("digit-image");
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(await response.blob());
}));
