"""One process: map_shard over the first N seeds (results dropped), RSS as it goes, then
the bounded memo caches of checks.* emptied one by one (what each freed), then the
per-seed size of every index's features, pickled and live (a measurement, not a test).

    python bench/mem_caches.py bench/out/distributed/corpus-10000 3000
"""
import sys, gc, ctypes, functools
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from checks import distributed as dist
from checks.config import Config
def rss():
    for l in open('/proc/self/status'):
        if l.startswith('VmRSS'): return int(l.split()[1])//1024
def caches():
    out = []
    for name, mod in list(sys.modules.items()):
        if not name.startswith('checks'): continue
        for attr, obj in list(vars(mod).items()):
            if hasattr(obj, 'cache_info') and hasattr(obj, 'cache_parameters'):
                out.append((f'{name}.{attr}', obj))
    return out
src = dist.make_source(sys.argv[1]); job = dist.make_job(src, Config(), None)
entries = dist.list_seeds(src)[:int(sys.argv[2])]
shards = dist.make_shards(entries, 250)
n = 0
for i, sh in enumerate(shards):
    r = dist.map_shard(job, sh); del r; n += len(sh)
    if i % 2 == 0: print(n, 'seeds rss', rss(), flush=True)
gc.collect(); print('end rss', rss())
lib = ctypes.CDLL('libc.so.6')
for name, c in sorted(caches(), key=lambda t: -t[1].cache_info().currsize):
    ci = c.cache_info(); mx = c.cache_parameters()['maxsize']
    if ci.currsize < 100: continue
    before = rss()
    if mx is not None:
        c.cache_clear(); gc.collect(); lib.malloc_trim(0)
        print(f'{name}: {ci.currsize}/{mx} cleared -> {before - rss()} MB freed', flush=True)
    else:
        print(f'{name}: {ci.currsize}/unbounded (kept)')
gc.collect(); lib.malloc_trim(0); print('after clearing bounded caches + trim', rss())
import pickle, tracemalloc
r = dist.map_shard(job, entries[:300])
for i, b in r['features'].items():
    tracemalloc.start(); x = dist.unpack_features(b); cur = tracemalloc.get_traced_memory()[0]; tracemalloc.stop()
    print(i, 'pickled', len(b)//300, 'B/seed; live', cur//300, 'B/seed')
    del x
