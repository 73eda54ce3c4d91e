import {getLlama} from "node-llama-cpp";
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: process.argv[2]});
const ids = JSON.parse(process.argv[3]);
const ctx = await model.createContext({contextSize: 512, threads: 2});
const seq = ctx.getSequence();
const limit = Number(process.argv[4] ?? 20);
let out = []; let n = 0;
for await (const t of seq.evaluate(ids, {temperature: 0})) { out.push(t); if (++n >= limit) break; }
console.log(JSON.stringify(out));
await ctx.dispose(); await model.dispose();
