// llama.cpp's tokenizer as an outside reference: token ids for every string of a JSON array, with
// special-token parsing off ("plain") and on ("special"). add_special is always off: the vocabulary's
// BOS/EOS rule is reported instead (addBos, addEos), so the caller applies it. Also llama_detokenize
// of the plain ids (special tokens not rendered), for decode round trips.
// usage: node tokenize.mjs STRINGS.json OUT.json MODEL.gguf [MODEL.gguf ...]
// OUT.json: an array, one object per model in argument order; OUT "-" writes to stdout.
import {getLlama} from "node-llama-cpp";
import {readFileSync, writeFileSync} from "node:fs";

const [stringsPath, outPath, ...modelPaths] = process.argv.slice(2);
const strings = JSON.parse(readFileSync(stringsPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const all = [];
for (const modelPath of modelPaths) {
    // vocabOnly: no tensors are read, so vocabulary-only GGUF files (ggml-vocab-*.gguf) load too
    const model = await llama.loadModel({modelPath, vocabOnly: true});
    const results = strings.map((text) => {
        const plain = model.tokenize(text, false);
        const special = model.tokenize(text, true);
        return {plain, special, detokenized: model.detokenize(plain, false)};
    });
    all.push({
        model: modelPath,
        addBos: model.tokens.shouldPrependBosToken,
        addEos: model._model.shouldAppendEosToken(),
        bos: model.tokens.bos ?? -1,
        eos: model.tokens.eos ?? -1,
        results
    });
    await model.dispose();
}
const out = JSON.stringify(all);
if (outPath === "-") process.stdout.write(out + "\n"); else writeFileSync(outPath, out);
