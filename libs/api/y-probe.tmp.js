const { parseAllDocuments } = require('yaml');
const n = Number(process.argv[2]);
const t0 = Date.now();
try {
  const docs = parseAllDocuments('? '.repeat(n) + 'a', { uniqueKeys: true, prettyErrors: process.argv[3] !== 'noprety' });
  console.log('parsed', Date.now() - t0, docs[0]?.errors.length, docs[0]?.errors[0]?.message.slice(0, 100));
  const t1 = Date.now();
  try { docs[0].toJS({ maxAliasCount: 100 }); } catch (e) { console.log('toJS threw', e.message.slice(0, 100)); }
  console.log('toJS', Date.now() - t1);
} catch (e) { console.log('threw', e.message.slice(0, 200), e.stack.split('\n').slice(0, 8).join('\n')); }
