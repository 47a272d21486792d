const cd = require('./build/card-driver'); const fs = require('fs'); const { Transform } = require('stream'); const crypto = require('crypto');
(async () => {
  const keys = cd.testKeyStore(); const file = __dirname + '/prof.estb';
  if (!fs.existsSync(file)) { console.log('no file'); return; }
  let t0 = Date.now(); let n = 0;
  for await (const e of cd.readEstb(file, { keys })) if (e.kind === 'record') n++;
  console.log('readEstb path', Date.now() - t0, n);
  t0 = Date.now(); n = 0;
  const h = crypto.createHash('sha256'); const src = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const tr = new Transform({ transform(c, _e, d) { h.update(c); d(null, c); } }); src.pipe(tr);
  for await (const e of cd.readEstb(tr, { keys })) if (e.kind === 'record') n++;
  console.log('readEstb transform', Date.now() - t0, n);
})();
