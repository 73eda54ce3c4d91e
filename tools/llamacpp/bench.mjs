import {getLlama} from "node-llama-cpp";
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath: process.argv[2]});
const threads = Number(process.argv[3] ?? 2);
const pp = 128, tg = 64, reps = Number(process.argv[4] ?? 3);
const vocab = 32000;
const ids = Array.from({length: pp}, (_, i) => i === 0 ? 1 : 1000 + ((i * 7919) % (vocab - 2000)));
const pps = [], tgs = [];
for (let r = 0; r < reps + 1; r++) {
  const ctx = await model.createContext({contextSize: 512, threads, batchSize: 512});
  const seq = ctx.getSequence();
  let t0 = performance.now();
  const it = seq.evaluate(ids, {temperature: 0});
  let first = await it.next();
  let t1 = performance.now();
  let n = 1;
  while (n < tg) { await it.next(); n++; }
  let t2 = performance.now();
  await it.return?.();
  if (r > 0) { pps.push(pp / ((t1 - t0) / 1000)); tgs.push((tg - 1) / ((t2 - t1) / 1000)); }
  await ctx.dispose();
}
const med = a => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(JSON.stringify({model: process.argv[2], threads, prefill_tok_s: med(pps).toFixed(1), decode_tok_s: med(tgs).toFixed(1)}));
await model.dispose();
