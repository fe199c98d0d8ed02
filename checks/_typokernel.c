/* The candidate search of typo.language-model (checks/typo_lm.py, _run_swaps) on code
 * points, with tables of its own: jieba's word frequencies (words of 2-3 characters) and
 * the pattern index (a window with one character blanked -> the characters that fill it)
 * as open-addressing hash tables of packed code points, built once from the Python
 * dictionaries; each character's substitutes (typo_lm._alikes) are asked of Python the
 * first time the character is met and kept as sorted code points. The rare branches call
 * back into Python: radical_added (for words jieba lists below TERM_LISTED) once per
 * character and substitute, a term's "is the window as written no word anywhere"
 * (typo_lm._unknown) once per window that is no jieba word; both answers are kept. Then
 * the scoring of the candidates (Searcher.swaps): the reference model's score method is
 * called from here with the strings the Python loop builds, the best swap kept.
 *
 * The pure-Python path (typo_lm._candidates_py, typo_lm._best_swaps_py) is the
 * reference: the same candidates, in the same order, and the same best swap of each
 * character with the same gain, for every run (bench/typo_equiv.py,
 * tests/test_typo_kernel.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The Python type of one kernel object, whose struct, dealloc, init and methods are
 * Name, Name_dealloc, Name_init and Name_methods: every type here is built the same way
 * (made once with its tables, no subclassing, no cycles) */
#define KERNEL_TYPE(Name, doc)                                 \
    static PyTypeObject Name##Type = {                         \
        PyVarObject_HEAD_INIT(NULL, 0)                         \
        .tp_name = "checks._typokernel." #Name,                \
        .tp_basicsize = sizeof(Name),                          \
        .tp_dealloc = (destructor)Name##_dealloc,              \
        .tp_flags = Py_TPFLAGS_DEFAULT,                        \
        .tp_doc = doc,                                         \
        .tp_methods = Name##_methods,                          \
        .tp_init = (initproc)Name##_init,                      \
        .tp_new = PyType_GenericNew,                           \
    }

/* ---- a hash table of packed keys (never 0) to 64-bit values, filled once ---------- */

typedef struct {
    uint64_t *keys;
    int64_t *vals;
    size_t mask;
} Table;

static inline uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static int table_alloc(Table *t, size_t n)
{
    size_t cap = 16;
    while (cap < n + n / 2 + 1)
        cap <<= 1;
    t->keys = calloc(cap, sizeof(uint64_t));
    t->vals = calloc(cap, sizeof(int64_t));
    if (!t->keys || !t->vals) {
        free(t->keys);
        free(t->vals);
        t->keys = NULL;
        t->vals = NULL;
        return -1;
    }
    t->mask = cap - 1;
    return 0;
}

static void table_free(Table *t)
{
    free(t->keys);
    free(t->vals);
    t->keys = NULL;
    t->vals = NULL;
}

/* the later value for a key wins, as in a dict */
static void table_put(Table *t, uint64_t key, int64_t val)
{
    size_t i = mix(key) & t->mask;
    while (t->keys[i] && t->keys[i] != key)
        i = (i + 1) & t->mask;
    t->keys[i] = key;
    t->vals[i] = val;
}

static inline int table_get(const Table *t, uint64_t key, int64_t *val)
{
    size_t i = mix(key) & t->mask;
    for (;;) {
        uint64_t k = t->keys[i];
        if (k == key) {
            *val = t->vals[i];
            return 1;
        }
        if (!k)
            return 0;
        i = (i + 1) & t->mask;
    }
}

/* a table that grows (the memo of unknown): doubled at two thirds full */
static int table_grow(Table *t, size_t *count)
{
    if ((*count + 1) * 3 < (t->mask + 1) * 2)
        return 0;
    Table old = *t;
    if (table_alloc(t, *count * 2 + 16) < 0) {
        *t = old;
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i <= old.mask; i++)
        if (old.keys[i])
            table_put(t, old.keys[i], old.vals[i]);
    table_free(&old);
    return 0;
}

/* ---- states: a kernel object's C tables as bytes, and back ---------------------------
 * A kernel object's tables, built from Python's tables by its init, are copied out by
 * its state() and into a new object by its restore(), without the Python tables: the
 * typo tables file keeps the states (typo_data.kernel_state), and a process reads them
 * instead of building the tables again. A state is checked before it is used (its
 * version and sizes, a capacity that is a power of two with an empty slot for every
 * probe to end on, every index it holds in range): one that does not fit raises
 * ValueError, and the object is built from the Python tables instead. */
#define STATE_VERSION 1

static int state_error(const char *what)
{
    PyErr_Format(PyExc_ValueError, "a kernel state that does not fit: %s", what);
    return -1;
}

static int cap_ok(size_t cap)
{
    return cap >= 16 && (cap & (cap - 1)) == 0;
}

/* (keys, vals) of t, as bytes */
static PyObject *table_state(const Table *t)
{
    size_t cap = t->mask + 1;
    return Py_BuildValue("(y#y#)", (const char *)t->keys, (Py_ssize_t)(cap * sizeof(uint64_t)),
                         (const char *)t->vals, (Py_ssize_t)(cap * sizeof(int64_t)));
}

/* t (empty) from table_state's (keys, vals); -1 with an exception set */
static int table_restore(Table *t, PyObject *st)
{
    const char *k, *v;
    Py_ssize_t nk, nv;
    if (!PyTuple_Check(st) || !PyArg_ParseTuple(st, "y#y#", &k, &nk, &v, &nv))
        return PyErr_Occurred() ? -1 : state_error("a table");
    size_t cap = (size_t)nk / sizeof(uint64_t);
    if (nk != nv || (size_t)nk % sizeof(uint64_t) || !cap_ok(cap))
        return state_error("a table's size");
    t->keys = malloc((size_t)nk);
    t->vals = malloc((size_t)nv);
    if (!t->keys || !t->vals) {
        table_free(t);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(t->keys, k, (size_t)nk);
    memcpy(t->vals, v, (size_t)nv);
    t->mask = cap - 1;
    size_t empty = 0;
    for (size_t i = 0; i < cap; i++)
        empty += !t->keys[i];
    if (!empty) {
        table_free(t);
        return state_error("a table without an empty slot");
    }
    return 0;
}

/* two or three code points (21 bits each; 0 is the pattern's blank) in one key */
static inline uint64_t pack2(Py_UCS4 a, Py_UCS4 b)
{
    return ((uint64_t)a << 21) | b;
}

static inline uint64_t pack3(Py_UCS4 a, Py_UCS4 b, Py_UCS4 c)
{
    return (1ULL << 63) | ((uint64_t)a << 42) | ((uint64_t)b << 21) | c;
}

/* the key of a str of 2 or 3 characters; 0 for any other */
static uint64_t pack_str(PyObject *s)
{
    if (!PyUnicode_Check(s))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (n == 2)
        return pack2(PyUnicode_READ(kind, data, 0), PyUnicode_READ(kind, data, 1));
    if (n == 3)
        return pack3(PyUnicode_READ(kind, data, 0), PyUnicode_READ(kind, data, 1),
                     PyUnicode_READ(kind, data, 2));
    return 0;
}

/* ---- the searcher ------------------------------------------------------------------ */

/* a character's substitutes, sorted by code point; one block each, never moved (a
 * callback into Python may let another thread add entries while one is in use) */
typedef struct {
    Py_ssize_t n;
    int numeral;
    Py_UCS4 *ys;
    PyObject **kinds;     /* owned references */
    PyObject **ystrs;     /* the substitutes as str (owned references) */
    unsigned char *near; /* a near-homophone: kind "nasal" or "retroflex" (typo_data.NEAR_KINDS) */
    unsigned char *radical; /* radical_added(character, substitute): 0 not asked yet, 1
                             * no, 2 yes */
    uint64_t some[16];      /* bit (y & 1023) set for each substitute y: a fill whose bit
                             * is clear is no substitute (common_next) */
} Entry;

#define PAGES (0x110000 >> 8)

typedef struct {
    PyObject_HEAD
    Table freq;       /* word of 2-3 characters -> jieba frequency */
    Table patterns;   /* pattern of 2-3 characters -> (offset << 24) | count in fills */
    Py_UCS4 *fills;   /* each pattern's fills, sorted, without repeats */
    Py_ssize_t nfills; /* how many */
    Entry **pages[PAGES]; /* code point -> its entry (NULL: not asked yet) */
    PyObject *alikes_fn, *radical_fn, *unknown_fn, *numerals;
    Table unknown;        /* window -> typo_lm._unknown(window), for windows no jieba word */
    size_t nunknown;
    long long min_freq, term_listed;
    int tried;
} Searcher;

static void entry_free(Entry *e)
{
    if (!e)
        return;
    for (Py_ssize_t i = 0; i < e->n; i++) {
        Py_XDECREF(e->kinds[i]);
        Py_XDECREF(e->ystrs[i]);
    }
    free(e);
}

static void Searcher_dealloc(Searcher *self)
{
    table_free(&self->freq);
    table_free(&self->patterns);
    table_free(&self->unknown);
    free(self->fills);
    for (int i = 0; i < PAGES; i++) {
        if (!self->pages[i])
            continue;
        for (int j = 0; j < 256; j++)
            entry_free(self->pages[i][j]);
        free(self->pages[i]);
    }
    Py_XDECREF(self->alikes_fn);
    Py_XDECREF(self->radical_fn);
    Py_XDECREF(self->unknown_fn);
    Py_XDECREF(self->numerals);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int cmp_ucs4(const void *a, const void *b)
{
    Py_UCS4 x = *(const Py_UCS4 *)a, y = *(const Py_UCS4 *)b;
    return (x > y) - (x < y);
}

static int build_freq(Searcher *self, PyObject *freq)
{
    Py_ssize_t pos = 0, n = 0;
    PyObject *k, *v;
    while (PyDict_Next(freq, &pos, &k, &v))
        if (pack_str(k))
            n++;
    if (table_alloc(&self->freq, (size_t)n) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    pos = 0;
    while (PyDict_Next(freq, &pos, &k, &v)) {
        uint64_t key = pack_str(k);
        if (!key)
            continue;
        long long f = PyLong_AsLongLong(v);
        if (f == -1 && PyErr_Occurred())
            return -1;
        table_put(&self->freq, key, f);
    }
    return 0;
}

static int build_patterns(Searcher *self, PyObject *index)
{
    Py_ssize_t pos = 0, n = 0, total = 0;
    PyObject *k, *v;
    while (PyDict_Next(index, &pos, &k, &v)) {
        if (pack_str(k) && PyUnicode_Check(v)) {
            n++;
            total += PyUnicode_GET_LENGTH(v);
        }
    }
    if (table_alloc(&self->patterns, (size_t)n) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    self->fills = malloc(sizeof(Py_UCS4) * (size_t)(total + 1));
    if (!self->fills) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t off = 0;
    pos = 0;
    while (PyDict_Next(index, &pos, &k, &v)) {
        uint64_t key = pack_str(k);
        if (!key || !PyUnicode_Check(v))
            continue;
        Py_ssize_t m = PyUnicode_GET_LENGTH(v);
        if (m >= (1 << 24)) {
            PyErr_SetString(PyExc_ValueError, "a pattern with too many fills");
            return -1;
        }
        int kind = PyUnicode_KIND(v);
        const void *data = PyUnicode_DATA(v);
        Py_UCS4 *at = self->fills + off;
        for (Py_ssize_t i = 0; i < m; i++)
            at[i] = PyUnicode_READ(kind, data, i);
        qsort(at, (size_t)m, sizeof(Py_UCS4), cmp_ucs4);
        Py_ssize_t u = 0;
        for (Py_ssize_t i = 0; i < m; i++)
            if (u == 0 || at[u - 1] != at[i])
                at[u++] = at[i];
        table_put(&self->patterns, key, ((int64_t)off << 24) | u);
        off += u;
    }
    self->nfills = off;
    return 0;
}

static int Searcher_init(Searcher *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"freq", "index", "alikes", "radical_added", "unknown",
                             "numerals", "min_freq", "term_listed", "tried", NULL};
    PyObject *freq, *index, *alikes, *radical, *unknown, *numerals;
    long long min_freq, term_listed;
    int tried;
    if (self->freq.keys) {
        PyErr_SetString(PyExc_RuntimeError, "Searcher is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!OOOOLLi", kwlist, &PyDict_Type, &freq,
                                     &PyDict_Type, &index, &alikes, &radical, &unknown,
                                     &numerals, &min_freq, &term_listed, &tried))
        return -1;
    if (tried < 1) {
        PyErr_SetString(PyExc_ValueError, "tried must be at least 1");
        return -1;
    }
    if (build_freq(self, freq) < 0 || build_patterns(self, index) < 0)
        return -1;
    if (table_alloc(&self->unknown, 4096) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    Py_INCREF(alikes);
    self->alikes_fn = alikes;
    Py_INCREF(radical);
    self->radical_fn = radical;
    Py_INCREF(unknown);
    self->unknown_fn = unknown;
    Py_INCREF(numerals);
    self->numerals = numerals;
    self->min_freq = min_freq;
    self->term_listed = term_listed;
    self->tried = tried;
    return 0;
}

static inline int64_t freq_of(const Searcher *self, uint64_t key)
{
    int64_t f;
    return table_get(&self->freq, key, &f) ? f : 0;
}

/* the fills of a pattern: count, and *at set to the first */
static inline Py_ssize_t fills_of(const Searcher *self, uint64_t key, const Py_UCS4 **at)
{
    int64_t v;
    if (!table_get(&self->patterns, key, &v))
        return 0;
    *at = self->fills + (v >> 24);
    return (Py_ssize_t)(v & 0xffffff);
}

typedef struct {
    Py_UCS4 y;
    PyObject *kind;
    PyObject *ystr;
    unsigned char near;
} Sub;

static int cmp_sub(const void *a, const void *b)
{
    Py_UCS4 x = ((const Sub *)a)->y, y = ((const Sub *)b)->y;
    return (x > y) - (x < y);
}

/* the entry of a character: its substitutes asked of typo_lm._alikes the first time */
static Entry *entry_of(Searcher *self, Py_UCS4 ch)
{
    Entry **page = self->pages[ch >> 8];
    if (page && page[ch & 0xff])
        return page[ch & 0xff];
    if (!page) {
        page = self->pages[ch >> 8] = calloc(256, sizeof(Entry *));
        if (!page) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    PyObject *chstr = PyUnicode_FromOrdinal((int)ch);
    if (!chstr)
        return NULL;
    int numeral = PySequence_Contains(self->numerals, chstr);
    if (numeral < 0) {
        Py_DECREF(chstr);
        return NULL;
    }
    PyObject *conf = PyObject_CallOneArg(self->alikes_fn, chstr);
    Py_DECREF(chstr);
    if (!conf)
        return NULL;
    Sub *subs = NULL;
    Entry *e = NULL;
    if (!PyDict_Check(conf)) {
        PyErr_SetString(PyExc_TypeError, "alikes must return a dict");
        goto fail;
    }
    Py_ssize_t m = PyDict_GET_SIZE(conf), pos = 0, u = 0;
    subs = malloc(sizeof(Sub) * (size_t)(m + 1));
    if (!subs) {
        PyErr_NoMemory();
        goto fail;
    }
    PyObject *k, *v;
    while (PyDict_Next(conf, &pos, &k, &v)) {
        if (!PyUnicode_Check(k) || PyUnicode_GET_LENGTH(k) != 1 || !PyUnicode_Check(v)) {
            PyErr_SetString(PyExc_TypeError, "alikes: one character -> a kind (str)");
            goto fail;
        }
        subs[u].y = PyUnicode_READ_CHAR(k, 0);
        subs[u].kind = v;
        subs[u].ystr = k;
        /* the near-homophones (typo_data.NEAR_KINDS): tried only where the text is no word */
        subs[u].near = PyUnicode_CompareWithASCIIString(v, "nasal") == 0
                        || PyUnicode_CompareWithASCIIString(v, "retroflex") == 0;
        u++;
    }
    qsort(subs, (size_t)u, sizeof(Sub), cmp_sub);
    /* one block: the entry, then its arrays (pointers first, for their alignment) */
    e = malloc(sizeof(Entry) + (size_t)(u + 1) * (2 * sizeof(PyObject *) +
                                                  sizeof(Py_UCS4) + 2));
    if (!e) {
        PyErr_NoMemory();
        goto fail;
    }
    e->n = u;
    e->numeral = numeral;
    e->kinds = (PyObject **)(e + 1);
    e->ystrs = e->kinds + u + 1;
    e->ys = (Py_UCS4 *)(e->ystrs + u + 1);
    e->near = (unsigned char *)(e->ys + u + 1);
    e->radical = e->near + u + 1;
    memset(e->some, 0, sizeof(e->some));
    for (Py_ssize_t i = 0; i < u; i++) {
        e->ys[i] = subs[i].y;
        Py_INCREF(subs[i].kind);
        e->kinds[i] = subs[i].kind;
        Py_INCREF(subs[i].ystr);
        e->ystrs[i] = subs[i].ystr;
        e->near[i] = subs[i].near;
        e->radical[i] = 0;
        e->some[(subs[i].y >> 6) & 15] |= 1ULL << (subs[i].y & 63);
    }
    free(subs);
    Py_DECREF(conf);
    if (page[ch & 0xff]) { /* another thread made it meanwhile: theirs is kept */
        entry_free(e);
        return page[ch & 0xff];
    }
    page[ch & 0xff] = e;
    return e;
fail:
    free(subs);
    Py_DECREF(conf);
    return NULL;
}

/* ---- candidates --------------------------------------------------------------------- */

typedef struct {
    int64_t f; /* minus the frequency of the word made */
    Py_ssize_t p, a, b;
    Entry *e;
    Py_ssize_t sub; /* index into the entry's arrays */
    Py_UCS4 y;
} Cand;

typedef struct {
    Cand *c;
    Py_ssize_t n, cap;
} Cands;

/* the array *buf of *cap items of size bytes made room for at least need items
 * (doubled from 64); -1 on error */
static int grow(void **buf, Py_ssize_t *cap, Py_ssize_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    Py_ssize_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *b = realloc(*buf, size * (size_t)c);
    if (!b) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = b;
    *cap = c;
    return 0;
}

static int cands_add(Cands *cs, int64_t f, Py_ssize_t p, Py_ssize_t a, Py_ssize_t b,
                     Entry *e, Py_ssize_t sub, Py_UCS4 y)
{
    if (grow((void **)&cs->c, &cs->cap, cs->n + 1, sizeof(Cand)) < 0)
        return -1;
    Cand *x = &cs->c[cs->n++];
    x->f = f;
    x->p = p;
    x->a = a;
    x->b = b;
    x->e = e;
    x->sub = sub;
    x->y = y;
    return 0;
}

/* by character, then as Python sorts the tuples (minus frequency, start, end, substitute) */
static int cmp_cand(const void *u, const void *v)
{
    const Cand *x = u, *y = v;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    if (x->f != y->f)
        return x->f < y->f ? -1 : 1;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return (x->y > y->y) - (x->y < y->y);
}

/* radical_added(ch, the entry's substitute i), asked once; -1 on error */
static int radical_of(Searcher *self, Entry *e, Py_ssize_t i, Py_UCS4 ch)
{
    if (e->radical[i])
        return e->radical[i] == 2;
    PyObject *w = PyUnicode_FromOrdinal((int)ch);
    if (!w)
        return -1;
    PyObject *r = PyObject_CallFunctionObjArgs(self->radical_fn, w, e->ystrs[i], NULL);
    Py_DECREF(w);
    if (!r)
        return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (t < 0)
        return -1;
    e->radical[i] = t ? 2 : 1;
    return t;
}

/* typo_lm._unknown(text[a:b]) of a window of 2-3 characters (key: its packed code
 * points): false for a jieba word; else asked of Python once and remembered; -1 on error */
static int unknown_of(Searcher *self, PyObject *text, Py_ssize_t a, Py_ssize_t b,
                      uint64_t key)
{
    int64_t v;
    if (table_get(&self->freq, key, &v))
        return 0;
    if (table_get(&self->unknown, key, &v))
        return (int)v;
    PyObject *w = PyUnicode_Substring(text, a, b);
    if (!w)
        return -1;
    PyObject *r = PyObject_CallOneArg(self->unknown_fn, w);
    Py_DECREF(w);
    if (!r)
        return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    if (t < 0)
        return -1;
    if (self->nunknown >= (1 << 17)) { /* a bound on the memo: emptied */
        memset(self->unknown.keys, 0, sizeof(uint64_t) * (self->unknown.mask + 1));
        self->nunknown = 0;
    }
    if (table_grow(&self->unknown, &self->nunknown) < 0)
        return -1;
    table_put(&self->unknown, key, t);
    self->nunknown++;
    return t;
}

/* The first index from lo on of the sorted array v[0:n] whose value is >= x, where
 * v[lo] < x: found by galloping (steps doubled, then halved), in about log2 of the
 * distance steps */
static inline Py_ssize_t gallop(const Py_UCS4 *v, Py_ssize_t lo, Py_ssize_t n, Py_UCS4 x)
{
    Py_ssize_t step = 1, hi = lo + 1;
    while (hi < n && v[hi] < x) { /* v[lo] < x */
        lo = hi;
        step <<= 1;
        hi = lo + step;
    }
    if (hi > n)
        hi = n;
    while (hi - lo > 1) { /* v[lo] < x, and hi is n or v[hi] >= x */
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* The next substitute of the entry e that the sorted fills fl[0:nf] hold too, from *i
 * and *j on: 1 with *i and *j at it (e->ys[*i] == fl[*j]), 0 when there is none. A
 * character has some sixty substitutes and a pattern as many fills, a few hundred for
 * some: the substitutes skip to the next fill by galloping (steps doubled, then
 * halved); the fills skip the same way where they are many, else one by one past those
 * whose bit in e->some is clear (no substitute: most of them). */
static inline int common_next(const Entry *e, Py_ssize_t *i, const Py_UCS4 *fl,
                              Py_ssize_t nf, Py_ssize_t *j)
{
    const Py_UCS4 *ys = e->ys;
    Py_ssize_t ny = e->n;
    int many = nf > 8 * ny;
    while (*i < ny && *j < nf) {
        Py_UCS4 x = ys[*i], z = fl[*j];
        if (x == z)
            return 1;
        if (x < z)
            *i = gallop(ys, *i, ny, z);
        else if (many)
            *j = gallop(fl, *j, nf, x);
        else
            do
                (*j)++;
            while (*j < nf && !((e->some[(fl[*j] >> 6) & 15] >> (fl[*j] & 63)) & 1));
    }
    return 0;
}

/* The candidate swaps of the suspect characters (sus[i] != 0) of the run (r: its code
 * points), into cs sorted by character and as Python sorts the tuples; -1 on error. The
 * entries the candidates point to are the searcher's, kept while it lives. */
static int search(Searcher *self, PyObject *run, const Py_UCS4 *r, Py_ssize_t n,
                  const unsigned char *sus, Cands *cs)
{
    Entry **ent = NULL;
    ent = calloc((size_t)n + 1, sizeof(Entry *)); /* each suspect character's entry */
    if (!ent) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (sus[i] && !(ent[i] = entry_of(self, r[i])))
            goto fail;

    /* windows of two (typo_lm.window_swaps) */
    for (Py_ssize_t a = 0; a + 1 < n; a++) {
        if (!sus[a] && !sus[a + 1])
            continue;
        Py_UCS4 c0 = r[a], c1 = r[a + 1];
        int near = freq_of(self, pack2(c0, c1)) == 0; /* near-homophones where it is no word */
        int unknown = -2;
        for (int k = 0; k < 2; k++) {
            Py_ssize_t p = a + k;
            Entry *e = ent[p];
            if (!sus[p] || e->numeral || !e->n)
                continue;
            const Py_UCS4 *fl;
            Py_ssize_t nf = fills_of(self, k ? pack2(c0, 0) : pack2(0, c1), &fl);
            if (!nf)
                continue;
            const Py_UCS4 *ys = e->ys;
            Py_ssize_t i = 0, j = 0;
            while (common_next(e, &i, fl, nf, &j)) {
                Py_UCS4 y = ys[i];
                Py_ssize_t s = i;
                i++;
                j++;
                int64_t f = freq_of(self, k ? pack2(c0, y) : pack2(y, c1));
                if (f < self->min_freq) { /* a term */
                    if (f < self->term_listed) {
                        int t = radical_of(self, e, s, r[p]);
                        if (t < 0)
                            goto fail;
                        if (t)
                            continue;
                    }
                    if (unknown == -2 &&
                        (unknown = unknown_of(self, run, a, a + 2, pack2(c0, c1))) < 0)
                        goto fail;
                    if (!unknown)
                        continue;
                }
                if ((near || !e->near[s]) && cands_add(cs, -f, p, a, a + 2, e, s, y) < 0)
                    goto fail;
            }
        }
    }

    /* windows of three (the pattern look-ups and typo_lm._fills) */
    for (int k = 0; k < 3; k++) {
        for (Py_ssize_t a = 0; a + 2 < n; a++) {
            Py_ssize_t p = a + k;
            Entry *e = ent[p];
            if (!sus[p] || e->numeral || !e->n)
                continue;
            Py_UCS4 w0 = r[a], w1 = r[a + 1], w2 = r[a + 2];
            const Py_UCS4 *fl;
            Py_ssize_t nf = fills_of(self, k == 0 ? pack3(0, w1, w2)
                                           : k == 1 ? pack3(w0, 0, w2) : pack3(w0, w1, 0),
                                     &fl);
            if (!nf)
                continue;
            const Py_UCS4 *ys = e->ys;
            int near = -1; /* asked at the first fill */
            int unknown = -2;
            Py_ssize_t i = 0, j = 0;
            while (common_next(e, &i, fl, nf, &j)) {
                Py_UCS4 y = ys[i];
                Py_ssize_t s = i;
                i++;
                j++;
                if (near < 0)
                    near = freq_of(self, pack3(w0, w1, w2)) == 0;
                if (!near && e->near[s])
                    continue;
                int64_t f = freq_of(self, k == 0 ? pack3(y, w1, w2)
                                          : k == 1 ? pack3(w0, y, w2) : pack3(w0, w1, y));
                if (f < self->term_listed) {
                    int t = radical_of(self, e, s, r[p]);
                    if (t < 0)
                        goto fail;
                    if (t)
                        continue;
                }
                if (f < self->min_freq) { /* a term, but the window as written is a word */
                    if (unknown == -2 &&
                        (unknown = unknown_of(self, run, a, a + 3, pack3(w0, w1, w2))) < 0)
                        goto fail;
                    if (!unknown)
                        continue;
                }
                if (cands_add(cs, -f, p, a, a + 3, e, s, y) < 0)
                    goto fail;
            }
        }
    }

    qsort(cs->c, (size_t)cs->n, sizeof(Cand), cmp_cand);
    free(ent);
    return 0;
fail:
    free(ent);
    return -1;
}

/* the candidates of the character of cs->c[i] that are tried: how many (at most
 * ``tried``, the first), and *end set to the next character's first (the candidates are
 * sorted by character) */
static Py_ssize_t tried_of(const Searcher *self, const Cands *cs, Py_ssize_t i,
                           Py_ssize_t *end)
{
    Py_ssize_t j = i;
    while (j < cs->n && cs->c[j].p == cs->c[i].p)
        j++;
    *end = j;
    return j - i < self->tried ? j - i : self->tried;
}

/* x (a new reference, or NULL on error) appended to the list and released; -1 on error */
static int append_new(PyObject *list, PyObject *x)
{
    if (!x)
        return -1;
    int rc = PyList_Append(list, x);
    Py_DECREF(x);
    return rc;
}

PyDoc_STRVAR(candidates_doc,
"candidates(run, sus) -> list of (offset, [(-freq, start, end, substitute, kind), ...])\n\n"
"The candidate swaps of the suspect characters (sus[i] != 0) of a run of Han\n"
"characters: each window of 2 or 3 characters around a suspect character that one of\n"
"its substitutes makes a word, by offset, sorted, at most ``tried`` a character\n"
"(typo_lm._candidates_py is the same in Python).");

static PyObject *Searcher_candidates(Searcher *self, PyObject *args)
{
    PyObject *run;
    Py_buffer sb;
    if (!self->freq.keys) {
        PyErr_SetString(PyExc_RuntimeError, "Searcher is not initialised");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "Uy*", &run, &sb))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(run);
    PyObject *out = NULL;
    Cands cs = {NULL, 0, 0};
    Py_UCS4 *r = NULL;
    if (sb.len != n) {
        PyErr_SetString(PyExc_ValueError, "sus must have one byte a character");
        goto done;
    }
    const unsigned char *sus = sb.buf;
    r = PyUnicode_AsUCS4Copy(run);
    if (!r)
        goto done;
    if (search(self, run, r, n, sus, &cs) < 0)
        goto done;
    out = PyList_New(0);
    if (!out)
        goto done;
    for (Py_ssize_t i = 0, j; i < cs.n; i = j) {
        Py_ssize_t p = cs.c[i].p, m = tried_of(self, &cs, i, &j);
        PyObject *lst = PyList_New(m);
        if (!lst)
            goto fail;
        for (Py_ssize_t q = 0; q < m; q++) {
            Cand *c = &cs.c[i + q];
            PyObject *t = Py_BuildValue("(LnnOO)", (long long)c->f, c->a, c->b,
                                        c->e->ystrs[c->sub], c->e->kinds[c->sub]);
            if (!t) {
                Py_DECREF(lst);
                goto fail;
            }
            PyList_SET_ITEM(lst, q, t);
        }
        if (append_new(out, Py_BuildValue("(nN)", p, lst)) < 0)
            goto fail;
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    free(cs.c);
    PyMem_Free(r);
    PyBuffer_Release(&sb);
    return out;
}

/* ---- the scoring of the candidate swaps (typo_lm._run_swaps) ------------------------ */

/* The model reads a clause as its tokens joined by spaces; a candidate swap is scored by
 * the tokens of a window of the base segmentation with the swapped word in place. The
 * strings handed to the model's score method are the ones typo_lm._best_swaps_py builds,
 * character for character, so the model's floats, and the best swap, are the same. */

typedef struct {
    Py_UCS4 *c;
    Py_ssize_t n, cap;
    Py_ssize_t pieces; /* joined so far (a space before each but the first, as in
                        * Python's " ".join, even after an empty one) */
} Text;

/* room for m more code points; -1 on error */
static int text_room(Text *t, Py_ssize_t m)
{
    return grow((void **)&t->c, &t->cap, t->n + m, sizeof(Py_UCS4));
}

/* code points src[0:m] added as a piece; -1 on error */
static int text_piece(Text *t, const Py_UCS4 *src, Py_ssize_t m)
{
    if (text_room(t, m + 1) < 0)
        return -1;
    if (t->pieces++)
        t->c[t->n++] = ' ';
    memcpy(t->c + t->n, src, sizeof(Py_UCS4) * (size_t)m);
    t->n += m;
    return 0;
}

/* the remnants of cut tokens met in one call of swaps: run[a:b] cut (typo_lm._cut) is
 * pool[at:at + m]. The candidates of a run cut the same tokens at the same places again
 * and again (the windows of a character share their ends), and cut is a function of the
 * fragment: it is asked once a fragment and a call. */
typedef struct {
    Py_ssize_t a, b, at, m;
} CutSeen;

typedef struct {
    CutSeen *seen;
    Py_ssize_t n, cap;
    Text pool;
} Cuts;

/* cut(run[a:b]) (typo_lm._cut: the fragment's tokens joined by spaces) added as a piece,
 * asked of cut once a call (Cuts); -1 on error */
static int text_cut(Text *t, Cuts *cuts, PyObject *cut, PyObject *run, Py_ssize_t a,
                    Py_ssize_t b)
{
    CutSeen *c = NULL;
    for (Py_ssize_t i = 0; i < cuts->n; i++)
        if (cuts->seen[i].a == a && cuts->seen[i].b == b) {
            c = &cuts->seen[i];
            break;
        }
    if (!c) {
        PyObject *frag = PyUnicode_Substring(run, a, b);
        if (!frag)
            return -1;
        PyObject *s = PyObject_CallOneArg(cut, frag);
        Py_DECREF(frag);
        if (!s)
            return -1;
        if (!PyUnicode_Check(s)) {
            Py_DECREF(s);
            PyErr_SetString(PyExc_TypeError, "cut must return a str");
            return -1;
        }
        Py_ssize_t m = PyUnicode_GET_LENGTH(s);
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        if (text_room(&cuts->pool, m) < 0
            || grow((void **)&cuts->seen, &cuts->cap, cuts->n + 1, sizeof(CutSeen)) < 0) {
            Py_DECREF(s);
            return -1;
        }
        c = &cuts->seen[cuts->n++];
        c->a = a;
        c->b = b;
        c->at = cuts->pool.n;
        c->m = m;
        for (Py_ssize_t i = 0; i < m; i++)
            cuts->pool.c[cuts->pool.n++] = PyUnicode_READ(kind, data, i);
        Py_DECREF(s);
    }
    if (text_room(t, c->m + 1) < 0)
        return -1;
    if (t->pieces++)
        t->c[t->n++] = ' ';
    memcpy(t->c + t->n, cuts->pool.c + c->at, sizeof(Py_UCS4) * (size_t)c->m);
    t->n += c->m;
    return 0;
}

/* *val = score(text, bos, eos), the model's log10 probability of text (a new reference,
 * released here; NULL: an error already set); -1 on error */
static int score_new(PyObject *score, PyObject *text, int bos, int eos, double *val)
{
    if (!text)
        return -1;
    PyObject *args[3] = {text, bos ? Py_True : Py_False, eos ? Py_True : Py_False};
    PyObject *v = PyObject_Vectorcall(score, args, 3, NULL);
    Py_DECREF(text);
    if (!v)
        return -1;
    *val = PyFloat_AsDouble(v);
    Py_DECREF(v);
    return *val == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* the tokens' suspect flags: 1 where the model's full_scores entry before or after the
 * token (bos to eos: one more than the tokens) is an unlikely bigram it never saw, or the
 * token is a twin word; and each entry's log10 probability in lps (nt + 1 of them, the
 * last eos's); -1 on error */
static int suspects_of(PyObject *scores, PyObject *const *toks, Py_ssize_t nt,
                       PyObject *twins, double suspect, unsigned char *tsus, float *lps)
{
    PyObject *it = PyObject_GetIter(scores), *item;
    if (!it)
        return -1;
    Py_ssize_t i = 0;
    while ((item = PyIter_Next(it))) {
        double lp = -1.0;
        long order = -1;
        if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) >= 2) {
            lp = PyFloat_AsDouble(PyTuple_GET_ITEM(item, 0));
            if (!(lp == -1.0 && PyErr_Occurred()))
                order = PyLong_AsLong(PyTuple_GET_ITEM(item, 1));
        } else {
            PyErr_SetString(PyExc_TypeError, "full_scores: (log10 p, order, oov) tuples");
        }
        Py_DECREF(item);
        if (PyErr_Occurred()) {
            Py_DECREF(it);
            return -1;
        }
        unsigned char unseen = order < 2 && lp < suspect;
        if (i <= nt)
            lps[i] = (float)lp; /* (the model's own float: exact) */
        if (i < nt)
            tsus[i] = unseen;
        if (i > 0 && i <= nt)
            tsus[i - 1] |= unseen;
        i++;
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return -1;
    if (i < nt + 1) {
        PyErr_SetString(PyExc_ValueError, "full_scores: one entry a token and one for eos");
        return -1;
    }
    for (Py_ssize_t j = 0; j < nt; j++) {
        if (tsus[j])
            continue;
        int t = PySequence_Contains(twins, toks[j]);
        if (t < 0)
            return -1;
        tsus[j] = (unsigned char)t;
    }
    return 0;
}

typedef struct {
    Py_ssize_t c0, c1;
    double score;
} Base;

/* The model's score of the run's first c1 tokens (bos; eos where they are all of them,
 * c1 == nt) from its full_scores entries lps: the model's score method adds the same
 * entries in the same order in single precision (kenlm.pyx: ``cdef float total``), so
 * the sum is the float it returns, to the bit. A base window that starts the run is
 * summed here instead of scored again (about a third of the base windows). */
static double head_score(const float *lps, Py_ssize_t c1, Py_ssize_t nt)
{
    float total = 0.0f;
    for (Py_ssize_t i = 0; i < c1; i++)
        total += lps[i];
    if (c1 == nt)
        total += lps[nt];
    return (double)total;
}

PyDoc_STRVAR(swaps_doc,
"swaps(run, toks, joined, scores, twins, score, cut, suspect, context)\n"
"    -> list of (offset, gain, start, end, substitute, kind)\n\n"
"The best candidate swap of each suspect character of a run of Han characters, by\n"
"offset, with its gain in log10 of the model (typo_lm._best_swaps_py is the same in\n"
"Python): toks, the run's segmentation, and joined, its tokens joined by spaces;\n"
"scores, the model's full_scores of joined (bos and eos: the base windows that\n"
"start the run are summed from its entries, as score sums them); twins, the twin words;\n"
"score, the model's score method; cut, typo_lm._cut; suspect, the log10 probability\n"
"under which a token with an unseen bigram is tried; context, the tokens of context\n"
"each side of a swap.");

static PyObject *Searcher_swaps(Searcher *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!self->freq.keys) {
        PyErr_SetString(PyExc_RuntimeError, "Searcher is not initialised");
        return NULL;
    }
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "swaps takes 9 arguments");
        return NULL;
    }
    PyObject *run = args[0], *joined = args[2], *scores = args[3], *twins = args[4];
    PyObject *score = args[5], *cut = args[6];
    if (!PyUnicode_Check(run) || !PyUnicode_Check(joined)) {
        PyErr_SetString(PyExc_TypeError, "run and joined must be str");
        return NULL;
    }
    double suspect = PyFloat_AsDouble(args[7]);
    if (suspect == -1.0 && PyErr_Occurred())
        return NULL;
    Py_ssize_t context = PyLong_AsSsize_t(args[8]);
    if (context == -1 && PyErr_Occurred())
        return NULL;
    PyObject *seq = PySequence_Fast(args[1], "toks must be a sequence");
    if (!seq)
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(run), nt = PySequence_Fast_GET_SIZE(seq);
    PyObject *const *toks = PySequence_Fast_ITEMS(seq);
    PyObject *out = NULL;
    Cands cs = {NULL, 0, 0};
    Text t = {NULL, 0, 0, 0};
    Cuts cuts = {NULL, 0, 0, {NULL, 0, 0, 0}};
    Base *bases = NULL;
    Py_ssize_t nbases = 0;
    Py_UCS4 *r = NULL, *jn = NULL;
    /* per token: start in the run, end, offset in joined (one more: the end), flag; per
     * character: its token, its flag */
    Py_ssize_t *starts = malloc(sizeof(Py_ssize_t) * (size_t)(3 * nt + 1 + n));
    Py_ssize_t *ends = starts + nt, *off = ends + nt, *owner = off + nt + 1;
    unsigned char *tsus = malloc((size_t)(nt + n + 1));
    unsigned char *sus = tsus + nt;
    float *lps = malloc(sizeof(float) * (size_t)(nt + 1));
    if (!starts || !tsus || !lps) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t pos = 0;
    off[0] = 0;
    for (Py_ssize_t j = 0; j < nt; j++) {
        if (!PyUnicode_Check(toks[j])) {
            PyErr_SetString(PyExc_TypeError, "toks must be str");
            goto done;
        }
        Py_ssize_t lt = PyUnicode_GET_LENGTH(toks[j]);
        if (pos + lt > n)
            break;
        starts[j] = pos;
        for (Py_ssize_t i = 0; i < lt; i++)
            owner[pos + i] = j;
        pos += lt;
        ends[j] = pos;
        off[j + 1] = off[j] + lt + 1;
    }
    if (nt == 0 || pos != n || off[nt] - 1 != PyUnicode_GET_LENGTH(joined)) {
        PyErr_SetString(PyExc_ValueError, "toks must cut the run, and joined join them");
        goto done;
    }
    if (suspects_of(scores, toks, nt, twins, suspect, tsus, lps) < 0)
        goto done;
    for (Py_ssize_t j = 0; j < nt; j++)
        memset(sus + starts[j], tsus[j], (size_t)(ends[j] - starts[j]));
    r = PyUnicode_AsUCS4Copy(run);
    jn = r ? PyUnicode_AsUCS4Copy(joined) : NULL;
    if (!jn || search(self, run, r, n, sus, &cs) < 0)
        goto done;
    out = PyList_New(0);
    bases = malloc(sizeof(Base) * (size_t)(cs.n + 1)); /* the base scores met */
    if (!out || !bases) {
        if (out)
            PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0, j; i < cs.n; i = j) {
        Py_ssize_t p = cs.c[i].p, m = tried_of(self, &cs, i, &j);
        Cand *best = NULL;
        double bestg = 0.0;
        for (Cand *c = cs.c + i; c < cs.c + i + m; c++) {
            /* the swap's tokens: the base segmentation around it, the word it makes, and
             * what is left of the tokens it cuts */
            Py_ssize_t a = c->a, b = c->b, j0 = owner[a], j1 = owner[b - 1];
            Py_ssize_t c0 = j0 > context ? j0 - context : 0;
            Py_ssize_t c1 = j1 + 1 + context < nt ? j1 + 1 + context : nt;
            t.n = t.pieces = 0;
            if (c0 < j0 && text_piece(&t, jn + off[c0], off[j0] - 1 - off[c0]) < 0)
                goto fail;
            if (starts[j0] < a && text_cut(&t, &cuts, cut, run, starts[j0], a) < 0)
                goto fail;
            if (text_piece(&t, r + a, b - a) < 0)
                goto fail;
            t.c[t.n - (b - p)] = c->y;
            if (b < ends[j1] && text_cut(&t, &cuts, cut, run, b, ends[j1]) < 0)
                goto fail;
            if (j1 + 1 < c1 && text_piece(&t, jn + off[j1 + 1], off[c1] - 1 - off[j1 + 1]) < 0)
                goto fail;
            int bos = c0 == 0, eos = c1 == nt;
            Py_ssize_t q = 0;
            while (q < nbases && (bases[q].c0 != c0 || bases[q].c1 != c1))
                q++;
            if (q == nbases) { /* the window as written, scored once */
                if (bos)
                    bases[q].score = head_score(lps, c1, nt);
                else if (score_new(score, PyUnicode_Substring(joined, off[c0], off[c1] - 1),
                                   bos, eos, &bases[q].score) < 0)
                    goto fail;
                bases[q].c0 = c0;
                bases[q].c1 = c1;
                nbases++;
            }
            double g;
            if (score_new(score, PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, t.c, t.n),
                          bos, eos, &g) < 0)
                goto fail;
            g -= bases[q].score;
            if (!best || g > bestg) { /* the first of equal gains, as in Python */
                best = c;
                bestg = g;
            }
        }
        if (append_new(out, Py_BuildValue("(ndnnOO)", p, bestg, best->a, best->b,
                                          best->e->ystrs[best->sub],
                                          best->e->kinds[best->sub])) < 0)
            goto fail;
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    free(t.c);
    free(cuts.seen);
    free(cuts.pool.c);
    free(bases);
    free(cs.c);
    free(starts);
    free(tsus);
    free(lps);
    PyMem_Free(r);
    PyMem_Free(jn);
    Py_DECREF(seq);
    return out;
}

static PyObject *Searcher_word_freq(Searcher *self, PyObject *arg)
{
    uint64_t key = pack_str(arg);
    if (!key || !self->freq.keys)
        return PyLong_FromLong(0);
    return PyLong_FromLongLong(freq_of(self, key));
}

PyDoc_STRVAR(searcher_state_doc,
"state() -> tuple\n\n"
"The Searcher's frequency and pattern tables, for Searcher.restore.");

static PyObject *Searcher_state(Searcher *self, PyObject *unused)
{
    (void)unused;
    if (!self->freq.keys) {
        PyErr_SetString(PyExc_RuntimeError, "Searcher is not initialised");
        return NULL;
    }
    return Py_BuildValue("(iNNy#)", STATE_VERSION, table_state(&self->freq),
                         table_state(&self->patterns), (const char *)self->fills,
                         (Py_ssize_t)(self->nfills * (Py_ssize_t)sizeof(Py_UCS4)));
}

PyDoc_STRVAR(searcher_restore_doc,
"restore(state, alikes, radical_added, unknown, numerals, min_freq, term_listed, tried)\n\n"
"A Searcher with the tables of state (Searcher.state) and the other arguments of\n"
"Searcher(); ValueError where the state does not fit.");

static PyObject *Searcher_restore(PyTypeObject *cls, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"state", "alikes", "radical_added", "unknown", "numerals",
                             "min_freq", "term_listed", "tried", NULL};
    PyObject *st, *alikes, *radical, *unknown, *numerals, *freq, *pats;
    long long min_freq, term_listed;
    int tried, version;
    const char *fills;
    Py_ssize_t nb;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OOOOLLi", kwlist, &PyTuple_Type, &st,
                                     &alikes, &radical, &unknown, &numerals, &min_freq,
                                     &term_listed, &tried))
        return NULL;
    if (tried < 1) {
        PyErr_SetString(PyExc_ValueError, "tried must be at least 1");
        return NULL;
    }
    if (!PyArg_ParseTuple(st, "iOOy#", &version, &freq, &pats, &fills, &nb))
        return NULL;
    if (version != STATE_VERSION || nb % (Py_ssize_t)sizeof(Py_UCS4)) {
        state_error("the version or the fills");
        return NULL;
    }
    Searcher *self = (Searcher *)cls->tp_alloc(cls, 0);
    if (!self)
        return NULL;
    if (table_restore(&self->freq, freq) < 0 || table_restore(&self->patterns, pats) < 0)
        goto fail;
    self->nfills = nb / (Py_ssize_t)sizeof(Py_UCS4);
    if (!(self->fills = malloc((size_t)nb + sizeof(Py_UCS4)))) {
        PyErr_NoMemory();
        goto fail;
    }
    memcpy(self->fills, fills, (size_t)nb);
    for (size_t i = 0; i <= self->patterns.mask; i++) {
        int64_t v = self->patterns.vals[i];
        if (self->patterns.keys[i]
            && (v < 0 || (v >> 24) + (v & 0xffffff) > (int64_t)self->nfills)) {
            state_error("a pattern's fills beyond the fills");
            goto fail;
        }
    }
    if (table_alloc(&self->unknown, 4096) < 0) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_INCREF(alikes);
    self->alikes_fn = alikes;
    Py_INCREF(radical);
    self->radical_fn = radical;
    Py_INCREF(unknown);
    self->unknown_fn = unknown;
    Py_INCREF(numerals);
    self->numerals = numerals;
    self->min_freq = min_freq;
    self->term_listed = term_listed;
    self->tried = tried;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static PyMethodDef Searcher_methods[] = {
    {"candidates", (PyCFunction)Searcher_candidates, METH_VARARGS, candidates_doc},
    {"swaps", (PyCFunction)(void (*)(void))Searcher_swaps, METH_FASTCALL, swaps_doc},
    {"state", (PyCFunction)Searcher_state, METH_NOARGS, searcher_state_doc},
    {"restore", (PyCFunction)(void (*)(void))Searcher_restore,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS, searcher_restore_doc},
    {"word_freq", (PyCFunction)Searcher_word_freq, METH_O,
     "word_freq(word) -> jieba frequency of a word of 2-3 characters in the kernel's table "
     "(0 for any other)"},
    {NULL, NULL, 0, NULL},
};

KERNEL_TYPE(Searcher,
            "The candidate search of typo.language-model on tables of its own.");

/* ---- the lexicon windows of typo_detect._confusions_in ------------------------------ */

/* a table of words of 2-4 characters: two 64-bit halves a key (the length in the high
 * half, so no key is all zero), filled once; a slot's key and value side by side (one
 * cache line read a look-up: the lexicon's table is 24 MB) */
typedef struct {
    uint64_t hi, lo;
    int64_t val;
} Slot2;

typedef struct {
    Slot2 *slots;
    size_t mask;
} Table2;

static inline void key4(const Py_UCS4 *c, int n, uint64_t *hi, uint64_t *lo)
{
    *lo = (uint64_t)c[0] | ((uint64_t)c[1] << 21) | (n > 2 ? (uint64_t)c[2] << 42 : 0);
    *hi = ((uint64_t)n << 24) | (n > 3 ? (uint64_t)c[3] : 0);
}

static inline size_t slot2(const Table2 *t, uint64_t hi, uint64_t lo)
{
    return mix(lo ^ (hi * 0x9e3779b97f4a7c15ULL)) & t->mask;
}

/* the slot of the key of the n characters at c, or -1 where t does not hold it */
static inline Py_ssize_t table2_find(const Table2 *t, const Py_UCS4 *c, int n)
{
    uint64_t hi, lo;
    key4(c, n, &hi, &lo);
    size_t i = slot2(t, hi, lo);
    for (;;) {
        if (t->slots[i].hi == hi && t->slots[i].lo == lo)
            return (Py_ssize_t)i;
        if (!t->slots[i].hi)
            return -1;
        i = (i + 1) & t->mask;
    }
}

static inline int table2_get(const Table2 *t, const Py_UCS4 *c, int n, int64_t *val)
{
    Py_ssize_t i = table2_find(t, c, n);
    if (i < 0)
        return 0;
    *val = t->slots[i].val;
    return 1;
}

/* t sized for the str keys of 2 to 4 characters of the dict d (at most two thirds full),
   empty; -1 with MemoryError set */
static int table2_alloc(Table2 *t, PyObject *d)
{
    Py_ssize_t pos = 0, n = 0;
    PyObject *k, *v;
    while (PyDict_Next(d, &pos, &k, &v))
        if (PyUnicode_Check(k) && PyUnicode_GET_LENGTH(k) >= 2 && PyUnicode_GET_LENGTH(k) <= 4)
            n++;
    size_t cap = 16;
    while (cap < (size_t)n + (size_t)n / 2 + 1)
        cap <<= 1;
    t->slots = calloc(cap, sizeof(Slot2));
    if (!t->slots) {
        PyErr_NoMemory();
        return -1;
    }
    t->mask = cap - 1;
    return 0;
}

static void table2_free(Table2 *t)
{
    free(t->slots);
}

/* t (empty) from the bytes of its slots (n bytes at b); -1 with an exception set */
static int table2_restore(Table2 *t, const char *b, Py_ssize_t n)
{
    size_t cap = (size_t)n / sizeof(Slot2);
    if ((size_t)n % sizeof(Slot2) || !cap_ok(cap))
        return state_error("a table's size");
    if (!(t->slots = malloc((size_t)n))) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(t->slots, b, (size_t)n);
    t->mask = cap - 1;
    size_t empty = 0;
    for (size_t i = 0; i < cap; i++)
        empty += !t->slots[i].hi;
    if (!empty) {
        free(t->slots);
        t->slots = NULL;
        return state_error("a table without an empty slot");
    }
    return 0;
}

/* The slot of the str key k (2 to 4 characters) in t, with k's key written there, and
   *fresh: whether the slot was empty; -1 for a key of another type or length (skipped) */
static Py_ssize_t table2_place(Table2 *t, PyObject *k, int *fresh)
{
    if (!PyUnicode_Check(k))
        return -1;
    Py_ssize_t m = PyUnicode_GET_LENGTH(k);
    if (m < 2 || m > 4)
        return -1;
    Py_UCS4 c[4];
    for (Py_ssize_t i = 0; i < m; i++)
        c[i] = PyUnicode_READ_CHAR(k, i);
    uint64_t hi, lo;
    key4(c, (int)m, &hi, &lo);
    size_t i = slot2(t, hi, lo);
    while (t->slots[i].hi && !(t->slots[i].hi == hi && t->slots[i].lo == lo))
        i = (i + 1) & t->mask;
    *fresh = !t->slots[i].hi;
    t->slots[i].hi = hi;
    t->slots[i].lo = lo;
    return (Py_ssize_t)i;
}

/* A pattern index (a window of 2-4 characters with one blanked, the blank 0 -> the
 * characters that fill it, a str) as a Table2 whose values index *fills, a list of the
 * index's own value objects (the later value for a key wins, as in a dict); -1 with an
 * exception set */
static int patterns_build(Table2 *t, PyObject **fills, PyObject *index)
{
    *fills = PyList_New(0);
    if (!*fills || table2_alloc(t, index) < 0)
        return -1;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(index, &pos, &k, &v)) {
        int fresh;
        Py_ssize_t i = table2_place(t, k, &fresh);
        if (i < 0)
            continue;
        if (fresh) {
            t->slots[i].val = PyList_GET_SIZE(*fills);
            if (PyList_Append(*fills, v) < 0)
                return -1;
        } else if (PyList_SetItem(*fills, (Py_ssize_t)t->slots[i].val, (Py_INCREF(v), v)) < 0)
            return -1;
    }
    return 0;
}

/* The fills (borrowed) of the pattern of the n characters at c (its blank 0) where the
 * index holds it with a true value: 1 with *ys set, 0 where it does not, -1 on error */
static int pattern_fills(const Table2 *t, PyObject *fills, const Py_UCS4 *c, int n,
                         PyObject **ys)
{
    int64_t at;
    if (!table2_get(t, c, n, &at))
        return 0;
    *ys = PyList_GET_ITEM(fills, (Py_ssize_t)at);
    return PyObject_IsTrue(*ys);
}

#define TAB_BITS 0x110000

/* a bit a code point: the one-character str of the iterable chars (the character table
 * typo_data.table()); NULL with an exception set */
static unsigned char *bitmap_of(PyObject *chars)
{
    unsigned char *bits = calloc(TAB_BITS / 8, 1);
    if (!bits) {
        PyErr_NoMemory();
        return NULL;
    }
    PyObject *it = PyObject_GetIter(chars), *ch;
    if (!it) {
        free(bits);
        return NULL;
    }
    while ((ch = PyIter_Next(it))) {
        if (PyUnicode_Check(ch) && PyUnicode_GET_LENGTH(ch) == 1) {
            Py_UCS4 u = PyUnicode_READ_CHAR(ch, 0);
            bits[u >> 3] |= (unsigned char)(1u << (u & 7));
        }
        Py_DECREF(ch);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        free(bits);
        return NULL;
    }
    return bits;
}

static inline int in_bitmap(const unsigned char *bits, Py_UCS4 u)
{
    return (bits[u >> 3] >> (u & 7)) & 1;
}

/* append row (a new reference, or NULL after a failed build) to the list out; -1 on error */
static int append_row(PyObject *out, PyObject *row)
{
    if (!row)
        return -1;
    int bad = PyList_Append(out, row);
    Py_DECREF(row);
    return bad;
}

/* the flags of a pair of characters (Lexicon.pairs) */
#define PAIR_HEAD 1   /* the first two characters of an idiom of four */
#define PAIR_TAIL 2   /* the last two characters of an idiom of four */
#define PAIR_PHRASE 4 /* the first two characters of a wrong form of the phrase table */
#define PAIR_PREFIX 8 /* the first two characters of a word of 3-4 characters: a window
                       * of 3-4 characters whose first two lack it is no word, and is not
                       * looked up */
#define MAX_HAN_RANGES 16

typedef struct {
    PyObject_HEAD
    Table2 words;
    unsigned char *rare; /* a byte a slot of words: a jieba word (its frequency the
                          * lexicon's) of frequency cover_min..variant_max, an idiom or set
                          * phrase where it has four characters: a rare variant maybe */
    Table pairs;         /* two characters (pack2) -> PAIR_ flags */
    Table2 ipats;        /* the idiom index's patterns -> an index into ifills */
    PyObject *ifills;
    unsigned char *intab; /* a bit a code point: in typo_data.table() */
    Py_UCS4 han[MAX_HAN_RANGES][2]; /* typo_data.HAN_RANGES, inclusive */
    int nhan;
    long long cover_min, variant_max;
} Lexicon;

static void Lexicon_dealloc(Lexicon *self)
{
    table2_free(&self->words);
    free(self->rare);
    table_free(&self->pairs);
    table2_free(&self->ipats);
    Py_XDECREF(self->ifills);
    free(self->intab);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* flag in t (holding *count keys, grown as needed) the first two characters of every
 * str of lo to hi characters of the iterable keys; -1 on error */
static int pairs_flag(Table *t, size_t *count, PyObject *keys, Py_ssize_t lo, Py_ssize_t hi,
                      int64_t flag)
{
    PyObject *it = PyObject_GetIter(keys), *k;
    if (!it)
        return -1;
    while ((k = PyIter_Next(it))) {
        Py_ssize_t m = PyUnicode_Check(k) ? PyUnicode_GET_LENGTH(k) : 0;
        uint64_t key = m >= lo && m <= hi && m >= 2
            ? pack2(PyUnicode_READ_CHAR(k, 0), PyUnicode_READ_CHAR(k, 1)) : 0;
        Py_DECREF(k);
        if (!key) /* (0: no such str, or "\0\0", the table's empty key) */
            continue;
        int64_t was = 0;
        if (!table_get(t, key, &was)) {
            if (table_grow(t, count) < 0) {
                Py_DECREF(it);
                return -1;
            }
            ++*count;
        }
        table_put(t, key, was | flag);
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

/* Is the lexicon's word k (frequency object v, f) a rare variant maybe: as
 * typo_detect._text_windows asks, cover_min <= f <= variant_max (f not 0), the same
 * frequency in jieba's dictionary (no phrase only pypinyin lists), and jieba's tag i or l
 * for a word of four characters; -1 on error */
static int rare_word(Lexicon *self, PyObject *k, PyObject *v, long long f, PyObject *freq,
                     PyObject *tags)
{
    if (!f || f < self->cover_min || f > self->variant_max)
        return 0;
    PyObject *jf = PyDict_GetItemWithError(freq, k);
    if (!jf)
        return PyErr_Occurred() ? -1 : 0;
    int same = PyObject_RichCompareBool(jf, v, Py_EQ);
    if (same <= 0 || PyUnicode_GET_LENGTH(k) < 4)
        return same;
    PyObject *tag = PyDict_GetItemWithError(tags, k);
    if (!tag)
        return PyErr_Occurred() ? -1 : 0;
    return PyUnicode_Check(tag) && (PyUnicode_CompareWithASCIIString(tag, "i") == 0
                                    || PyUnicode_CompareWithASCIIString(tag, "l") == 0);
}

static int Lexicon_init(Lexicon *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"lexicon", "cover_min", "variant_max", "freq", "tags",
                             "idiom_index", "table", "phrase_starts", "han_ranges", NULL};
    PyObject *lex, *freq, *tags, *iidx, *istart, *iend, *table, *pstart, *han;
    if (self->words.slots) {
        PyErr_SetString(PyExc_RuntimeError, "Lexicon is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!LLO!O!(O!OO)OOO", kwlist, &PyDict_Type,
                                     &lex, &self->cover_min, &self->variant_max,
                                     &PyDict_Type, &freq, &PyDict_Type, &tags, &PyDict_Type,
                                     &iidx, &istart, &iend, &table, &pstart, &han))
        return -1;
    PyObject *ranges = PySequence_Fast(han, "han_ranges: pairs of code points");
    if (!ranges)
        return -1;
    Py_ssize_t nr = PySequence_Fast_GET_SIZE(ranges);
    for (Py_ssize_t i = 0; i < nr && i < MAX_HAN_RANGES; i++) {
        unsigned int lo, hi;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(ranges, i), "II", &lo, &hi)) {
            Py_DECREF(ranges);
            return -1;
        }
        self->han[i][0] = lo;
        self->han[i][1] = hi;
    }
    Py_DECREF(ranges);
    if (nr > MAX_HAN_RANGES) {
        PyErr_SetString(PyExc_ValueError, "too many han_ranges");
        return -1;
    }
    self->nhan = (int)nr;
    Table2 *t = &self->words;
    if (table2_alloc(t, lex) < 0)
        return -1;
    self->rare = calloc(t->mask + 1, 1);
    if (!self->rare) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(lex, &pos, &k, &v)) {
        int fresh;
        Py_ssize_t i = table2_place(t, k, &fresh);
        if (i < 0)
            continue;
        long long f = PyLong_AsLongLong(v);
        if (f == -1 && PyErr_Occurred())
            return -1;
        t->slots[i].val = f;
        int r = rare_word(self, k, v, f, freq, tags);
        if (r < 0)
            return -1;
        self->rare[i] = (unsigned char)r;
    }
    size_t npairs = 0;
    if (table_alloc(&self->pairs, 4096) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (pairs_flag(&self->pairs, &npairs, istart, 2, 2, PAIR_HEAD) < 0
        || pairs_flag(&self->pairs, &npairs, iend, 2, 2, PAIR_TAIL) < 0
        || pairs_flag(&self->pairs, &npairs, pstart, 2, 2, PAIR_PHRASE) < 0
        || pairs_flag(&self->pairs, &npairs, lex, 3, 4, PAIR_PREFIX) < 0
        || patterns_build(&self->ipats, &self->ifills, iidx) < 0
        || !(self->intab = bitmap_of(table)))
        return -1;
    return 0;
}

static inline int64_t pair_flags(const Lexicon *self, Py_UCS4 a, Py_UCS4 b)
{
    int64_t f;
    return table_get(&self->pairs, pack2(a, b), &f) ? f : 0;
}

static inline int is_han_cp(const Lexicon *self, Py_UCS4 u)
{
    for (int i = 0; i < self->nhan; i++)
        if (self->han[i][0] <= u && u <= self->han[i][1])
            return 1;
    return 0;
}

/* the windows of four characters at s of a broken idiom maybe, as (s, i, fills) rows
 * appended to out (pf: the PAIR_ flags of each pair of neighbours); -1 on error (see
 * windows_doc) */
static int idiom_windows(Lexicon *self, Py_UCS4 *c, Py_ssize_t n, const unsigned char *st,
                         const unsigned char *pf, PyObject *out)
{
    static const int at_head[] = {2, 3}, at_tail[] = {0, 1}, at_both[] = {0, 1, 2, 3};
    for (Py_ssize_t s = 0; s + 4 <= n; s++) {
        int head = (pf[s] & PAIR_HEAD) != 0;
        int tail = (pf[s + 2] & PAIR_TAIL) != 0;
        if (!head && !tail)
            continue;
        if (st[s] && st[s + 1] && st[s + 2] && st[s + 3])
            continue; /* four characters of frequent words */
        int64_t f;
        if (table2_get(&self->words, c + s, 4, &f) && f)
            continue; /* a word (a rare variant: among the rare windows) */
        const int *is = head ? (tail ? at_both : at_head) : at_tail;
        int ni = head && tail ? 4 : 2;
        for (int j = 0; j < ni; j++) {
            int i = is[j];
            Py_UCS4 ch = c[s + i];
            PyObject *ys;
            c[s + i] = 0;
            int got = pattern_fills(&self->ipats, self->ifills, c + s, 4, &ys);
            c[s + i] = ch;
            if (got < 0)
                return -1;
            if (got && in_bitmap(self->intab, ch)
                && append_row(out, Py_BuildValue("(niO)", s, i, ys)) < 0)
                return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(windows_doc,
"windows(text, variants) -> (covered, strong, han, starts, rare, idioms)\n\n"
"The windows of text that typo_detect._confusions_in looks at, as _text_windows gives\n"
"them: a byte a character, covered (inside a window of 2-4 characters of lexicon\n"
"frequency >= cover_min, and > 0 where cover_min is not), strong (inside such a window of\n"
"frequency > variant_max) and han (a Han character); starts: the offsets of the first\n"
"two characters of a wrong form of the phrase table; rare: (s, e, f) for each window of\n"
"2, 3 and 4 characters (4 only, without variants), then by s, that is a rare jieba word\n"
"of frequency f (cover_min..variant_max; of four characters: tagged i or l); idioms:\n"
"(s, i, fills) for each window of four characters at s that starts as an idiom (its\n"
"characters 2 and 3 blanked in turn) or ends as one (0 and 1; all four for both), not\n"
"all strong and no word, whose pattern with character i blanked the idiom index fills\n"
"and whose character i is in the table.");

static PyObject *Lexicon_windows(Lexicon *self, PyObject *args)
{
    PyObject *text;
    int variants;
    if (!self->words.slots || !self->intab) {
        PyErr_SetString(PyExc_RuntimeError, "Lexicon is not initialised");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "Up", &text, &variants))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_UCS4 *c = PyUnicode_AsUCS4Copy(text);
    if (!c)
        return NULL;
    PyObject *cov = PyBytes_FromStringAndSize(NULL, n);
    PyObject *stro = PyBytes_FromStringAndSize(NULL, n);
    PyObject *han = PyBytes_FromStringAndSize(NULL, n);
    PyObject *starts = PyList_New(0), *rare = PyList_New(0), *idioms = PyList_New(0);
    PyObject *out = NULL;
    unsigned char *pf = NULL; /* the PAIR_ flags of each pair of neighbours */
    if (!cov || !stro || !han || !starts || !rare || !idioms)
        goto done;
    unsigned char *cv = (unsigned char *)PyBytes_AS_STRING(cov);
    unsigned char *st = (unsigned char *)PyBytes_AS_STRING(stro);
    unsigned char *hn = (unsigned char *)PyBytes_AS_STRING(han);
    memset(cv, 0, (size_t)n);
    memset(st, 0, (size_t)n);
    for (Py_ssize_t k = 0; k < n; k++)
        hn[k] = (unsigned char)is_han_cp(self, c[k]);
    if (!(pf = PyMem_Malloc((size_t)n + 1))) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k + 2 <= n; k++) {
        pf[k] = (unsigned char)pair_flags(self, c[k], c[k + 1]);
        if ((pf[k] & PAIR_PHRASE) && append_row(starts, PyLong_FromSsize_t(k)) < 0)
            goto done;
    }
    for (int size = 2; size <= 4; size++) {
        for (Py_ssize_t k = 0; k + size <= n; k++) {
            Py_ssize_t i = size > 2 && !(pf[k] & PAIR_PREFIX)
                ? -1 : table2_find(&self->words, c + k, size);
            int64_t f = i < 0 ? 0 : self->words.slots[i].val;
            if (self->cover_min <= f && (self->cover_min > 0 || f)) {
                int strong = self->variant_max < f;
                for (int j = 0; j < size; j++) {
                    cv[k + j] = 1;
                    if (strong)
                        st[k + j] = 1;
                }
            }
            if (i >= 0 && self->rare[i] && (variants || size == 4)
                && append_row(rare, Py_BuildValue("(nnL)", k, k + size, (long long)f)) < 0)
                goto done;
        }
    }
    if (idiom_windows(self, c, n, st, pf, idioms) < 0)
        goto done;
    out = PyTuple_Pack(6, cov, stro, han, starts, rare, idioms);
done:
    PyMem_Free(c);
    PyMem_Free(pf);
    Py_XDECREF(cov);
    Py_XDECREF(stro);
    Py_XDECREF(han);
    Py_XDECREF(starts);
    Py_XDECREF(rare);
    Py_XDECREF(idioms);
    return out;
}

PyDoc_STRVAR(lexicon_state_doc,
"state() -> tuple\n\n"
"The Lexicon's tables (and the idiom index's fills it holds), for Lexicon.restore.");

static PyObject *Lexicon_state(Lexicon *self, PyObject *unused)
{
    (void)unused;
    if (!self->words.slots) {
        PyErr_SetString(PyExc_RuntimeError, "Lexicon is not initialised");
        return NULL;
    }
    PyObject *han = PyTuple_New(self->nhan);
    if (!han)
        return NULL;
    for (int i = 0; i < self->nhan; i++) {
        PyObject *r = Py_BuildValue("(II)", (unsigned int)self->han[i][0],
                                    (unsigned int)self->han[i][1]);
        if (!r) {
            Py_DECREF(han);
            return NULL;
        }
        PyTuple_SET_ITEM(han, i, r);
    }
    size_t wcap = self->words.mask + 1, icap = self->ipats.mask + 1;
    return Py_BuildValue("(iiLLNy#y#Ny#Oy#)", STATE_VERSION, (int)sizeof(Slot2),
                         self->cover_min, self->variant_max, han,
                         (const char *)self->words.slots, (Py_ssize_t)(wcap * sizeof(Slot2)),
                         (const char *)self->rare, (Py_ssize_t)wcap, table_state(&self->pairs),
                         (const char *)self->ipats.slots, (Py_ssize_t)(icap * sizeof(Slot2)),
                         self->ifills, (const char *)self->intab, (Py_ssize_t)(TAB_BITS / 8));
}

PyDoc_STRVAR(lexicon_restore_doc,
"restore(state) -> Lexicon\n\n"
"A Lexicon with the tables of state (Lexicon.state); ValueError where it does not fit.");

static PyObject *Lexicon_restore(PyTypeObject *cls, PyObject *st)
{
    int version, slot;
    long long cover_min, variant_max;
    PyObject *han, *pairs, *ifills;
    const char *words, *rare, *ipats, *intab;
    Py_ssize_t nw, nr, ni, nt;
    if (!PyTuple_Check(st)) {
        PyErr_SetString(PyExc_TypeError, "restore() takes a state tuple");
        return NULL;
    }
    if (!PyArg_ParseTuple(st, "iiLLO!y#y#Oy#O!y#", &version, &slot, &cover_min, &variant_max,
                          &PyTuple_Type, &han, &words, &nw, &rare, &nr, &pairs, &ipats, &ni,
                          &PyList_Type, &ifills, &intab, &nt))
        return NULL;
    if (version != STATE_VERSION || slot != (int)sizeof(Slot2)
        || PyTuple_GET_SIZE(han) > MAX_HAN_RANGES || nt != TAB_BITS / 8) {
        state_error("the version, the slots or the character ranges");
        return NULL;
    }
    Lexicon *self = (Lexicon *)cls->tp_alloc(cls, 0);
    if (!self)
        return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(han); i++) {
        unsigned int lo, hi;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(han, i), "II", &lo, &hi))
            goto fail;
        self->han[i][0] = lo;
        self->han[i][1] = hi;
    }
    self->nhan = (int)PyTuple_GET_SIZE(han);
    self->cover_min = cover_min;
    self->variant_max = variant_max;
    if (table2_restore(&self->words, words, nw) < 0)
        goto fail;
    if ((size_t)nr != self->words.mask + 1) {
        state_error("the rare words' bytes");
        goto fail;
    }
    if (!(self->rare = malloc((size_t)nr)) || !(self->intab = malloc((size_t)nt))) {
        PyErr_NoMemory();
        goto fail;
    }
    memcpy(self->rare, rare, (size_t)nr);
    memcpy(self->intab, intab, (size_t)nt);
    if (table_restore(&self->pairs, pairs) < 0 || table2_restore(&self->ipats, ipats, ni) < 0)
        goto fail;
    Py_ssize_t nf = PyList_GET_SIZE(ifills);
    for (Py_ssize_t i = 0; i < nf; i++)
        if (!PyUnicode_Check(PyList_GET_ITEM(ifills, i))) {
            state_error("an idiom pattern's fills not a str");
            goto fail;
        }
    for (size_t i = 0; i <= self->ipats.mask; i++)
        if (self->ipats.slots[i].hi
            && (self->ipats.slots[i].val < 0 || self->ipats.slots[i].val >= nf)) {
            state_error("an idiom pattern beyond its fills");
            goto fail;
        }
    if (!(self->ifills = PyList_GetSlice(ifills, 0, nf)))
        goto fail;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static PyMethodDef Lexicon_methods[] = {
    {"windows", (PyCFunction)Lexicon_windows, METH_VARARGS, windows_doc},
    {"state", (PyCFunction)Lexicon_state, METH_NOARGS, lexicon_state_doc},
    {"restore", (PyCFunction)Lexicon_restore, METH_O | METH_CLASS, lexicon_restore_doc},
    {NULL, NULL, 0, NULL},
};

KERNEL_TYPE(Lexicon,
            "The windows typo_detect._confusions_in looks at, on tables of their own.");

/* ---- the characters no word covers, in _confusions_in ----------------------------- */

/* a character's confusables (typo_data.confusables: substitute -> kind), sorted by code
 * point; one block each, never moved (asking Python may let another thread in) */
typedef struct {
    Py_UCS4 y; /* first: sorted with cmp_ucs4 */
    PyObject *ystr, *kind; /* owned references */
} Alike;

typedef struct {
    Py_ssize_t n;
    Alike a[];
} Alikes;

/* the pattern index of typo_data.pattern_index(min_freq) (a word of 2-4 characters with
 * one character blanked, the blank 0 -> the characters that fill it) as a Table2 whose
 * values index a list of the index's own value objects, the character table as a bitmap
 * of code points, and each character's confusables once asked */
typedef struct {
    PyObject_HEAD
    Table2 pats;
    PyObject *fills;       /* list: the index's values, in the table's order */
    unsigned char *intab;  /* a bit a code point: in typo_data.table() */
    Py_ssize_t reach;
    PyObject *confusables_fn; /* typo_data.confusables, or None (no fills()) */
    Alikes **pages[PAGES];    /* code point -> its confusables (NULL: not asked yet) */
} Spotter;

static void alikes_free(Alikes *e)
{
    if (!e)
        return;
    for (Py_ssize_t i = 0; i < e->n; i++) {
        Py_DECREF(e->a[i].ystr);
        Py_DECREF(e->a[i].kind);
    }
    free(e);
}

static void Spotter_dealloc(Spotter *self)
{
    table2_free(&self->pats);
    free(self->intab);
    Py_XDECREF(self->fills);
    Py_XDECREF(self->confusables_fn);
    for (int i = 0; i < PAGES; i++) {
        if (!self->pages[i])
            continue;
        for (int j = 0; j < 256; j++)
            alikes_free(self->pages[i][j]);
        free(self->pages[i]);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Spotter_init(Spotter *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"index", "table", "reach", "confusables", NULL};
    PyObject *index, *table, *conf = Py_None;
    if (self->pats.slots) {
        PyErr_SetString(PyExc_RuntimeError, "Spotter is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!On|O", kwlist, &PyDict_Type, &index,
                                     &table, &self->reach, &conf))
        return -1;
    Py_INCREF(conf);
    self->confusables_fn = conf;
    if (!(self->intab = bitmap_of(table)))
        return -1;
    return patterns_build(&self->pats, &self->fills, index);
}

/* the confusables of ch: asked of Python the first time; NULL with an exception set */
static Alikes *alikes_of(Spotter *self, Py_UCS4 ch)
{
    Alikes **page = self->pages[ch >> 8];
    if (page && page[ch & 0xff])
        return page[ch & 0xff];
    if (!page && !(page = self->pages[ch >> 8] = calloc(256, sizeof(Alikes *)))) {
        PyErr_NoMemory();
        return NULL;
    }
    PyObject *chstr = PyUnicode_FromOrdinal((int)ch);
    if (!chstr)
        return NULL;
    PyObject *conf = PyObject_CallOneArg(self->confusables_fn, chstr);
    Py_DECREF(chstr);
    if (!conf)
        return NULL;
    if (!PyDict_Check(conf)) {
        PyErr_SetString(PyExc_TypeError, "confusables must return a dict");
        Py_DECREF(conf);
        return NULL;
    }
    Py_ssize_t pos = 0, u = 0;
    Alikes *e = malloc(sizeof(Alikes) + sizeof(Alike) * (size_t)PyDict_GET_SIZE(conf));
    if (!e) {
        Py_DECREF(conf);
        PyErr_NoMemory();
        return NULL;
    }
    PyObject *k, *v;
    while (PyDict_Next(conf, &pos, &k, &v)) {
        if (!PyUnicode_Check(k) || PyUnicode_GET_LENGTH(k) != 1) {
            e->n = u;
            alikes_free(e);
            Py_DECREF(conf);
            PyErr_SetString(PyExc_TypeError, "confusables: one character -> a kind");
            return NULL;
        }
        e->a[u].y = PyUnicode_READ_CHAR(k, 0);
        Py_INCREF(k);
        e->a[u].ystr = k;
        Py_INCREF(v);
        e->a[u].kind = v;
        u++;
    }
    e->n = u;
    Py_DECREF(conf);
    qsort(e->a, (size_t)u, sizeof(Alike), cmp_ucs4); /* (y first: by code point) */
    if (page[ch & 0xff]) { /* another thread made it meanwhile: theirs is kept */
        alikes_free(e);
        return page[ch & 0xff];
    }
    page[ch & 0xff] = e;
    return e;
}

static const Alike *alike_find(const Alikes *e, Py_UCS4 y)
{
    Py_ssize_t lo = 0, hi = e->n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (e->a[mid].y < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < e->n && e->a[lo].y == y ? &e->a[lo] : NULL;
}

/* what the walk over the windows does with each window the index fills: 0, or -1 on
 * error */
typedef int (*SpotVisit)(Spotter *self, PyObject *out, Py_ssize_t p, Py_UCS4 ch,
                         Py_ssize_t s, Py_ssize_t e, PyObject *ys);

/* spots(): the row (p, s, e, fills) */
static int visit_spot(Spotter *self, PyObject *out, Py_ssize_t p, Py_UCS4 ch,
                      Py_ssize_t s, Py_ssize_t e, PyObject *ys)
{
    (void)self;
    (void)ch;
    return append_row(out, Py_BuildValue("(nnnO)", p, s, e, ys));
}

/* fills(): a row (p, s, e, y, kind) for each fill y, in the order of fills, that is among
 * the confusables of the character at p */
static int visit_fills(Spotter *self, PyObject *out, Py_ssize_t p, Py_UCS4 ch,
                       Py_ssize_t s, Py_ssize_t e, PyObject *ys)
{
    if (!PyUnicode_Check(ys)) {
        PyErr_SetString(PyExc_TypeError, "the pattern index's fills must be a str");
        return -1;
    }
    Alikes *al = alikes_of(self, ch);
    if (!al)
        return -1;
    int kind = PyUnicode_KIND(ys);
    const void *data = PyUnicode_DATA(ys);
    for (Py_ssize_t j = 0, m = PyUnicode_GET_LENGTH(ys); j < m; j++) {
        const Alike *a = alike_find(al, PyUnicode_READ(kind, data, j));
        if (a && append_row(out, Py_BuildValue("(nnnOO)", p, s, e, a->ystr, a->kind)) < 0)
            return -1;
    }
    return 0;
}

/* The walk of spots() and fills() (see spots_doc): visit each window the index fills */
static PyObject *spot_walk(Spotter *self, PyObject *args, SpotVisit visit)
{
    PyObject *text;
    const char *cov, *han;
    Py_ssize_t ncov, nhan;
    if (!self->pats.slots) {
        PyErr_SetString(PyExc_RuntimeError, "Spotter is not initialised");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "Uy#y#", &text, &cov, &ncov, &han, &nhan))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (ncov != n || nhan != n) {
        PyErr_SetString(PyExc_ValueError, "covered and han need a byte a character");
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    if (n < 2)
        return out;
    Py_UCS4 *c = PyUnicode_AsUCS4Copy(text);
    if (!c) {
        Py_DECREF(out);
        return NULL;
    }
    const Py_ssize_t reach = self->reach;
    for (Py_ssize_t p = 0; p < n; p++) {
        Py_UCS4 ch = c[p];
        if (cov[p] || !in_bitmap(self->intab, ch))
            continue;
        if (!((p > 0 && !cov[p - 1] && han[p - 1]) || (p + 1 < n && !cov[p + 1] && han[p + 1])))
            continue;
        /* the run of Han characters around p, at most reach each side (p is Han: every
         * character of the table is) */
        Py_ssize_t lo = p, hi = p + 1;
        while (lo > 0 && lo > p - reach && han[lo - 1])
            lo--;
        while (hi < n && hi < p + reach + 1 && han[hi])
            hi++;
        c[p] = 0;
        for (Py_ssize_t size = 4; size >= 2; size--) {
            Py_ssize_t s0 = p - size + 1 > lo ? p - size + 1 : lo;
            Py_ssize_t s1 = p < hi - size ? p : hi - size;
            for (Py_ssize_t s = s0; s <= s1; s++) {
                PyObject *ys;
                int got = pattern_fills(&self->pats, self->fills, c + s, (int)size, &ys);
                if (got < 0 || (got && visit(self, out, p, ch, s, s + size, ys) < 0))
                    goto fail;
            }
        }
        c[p] = ch;
    }
    PyMem_Free(c);
    return out;
fail:
    PyMem_Free(c);
    Py_DECREF(out);
    return NULL;
}

PyDoc_STRVAR(spots_doc,
"spots(text, covered, han) -> [(p, s, e, fills), ...]\n\n"
"The characters of text no word covers (covered[p] == 0) that are in the table and have\n"
"a Han character no word covers beside them (han: a byte a character, 1 inside a run of\n"
"Han characters), and for each, every window text[s:e] of 4, 3 and 2 characters around\n"
"it, inside its run and at most reach characters from it, whose pattern (text[s:e] with\n"
"p blanked) the index holds with a non-empty value: that value as fills. In the order of\n"
"typo_detect._spot_windows: p ascending, then the size from 4 down, then s ascending.");

static PyObject *Spotter_spots(Spotter *self, PyObject *args)
{
    return spot_walk(self, args, visit_spot);
}

PyDoc_STRVAR(fills_doc,
"fills(text, covered, han) -> [(p, s, e, y, kind), ...]\n\n"
"The rows of spots(text, covered, han), each fill y of a row that is among\n"
"confusables(text[p]) (the Spotter's confusables, substitute -> kind) in turn, as\n"
"typo_detect._spot_fills gives them.");

static PyObject *Spotter_fills(Spotter *self, PyObject *args)
{
    if (self->confusables_fn == Py_None || !self->confusables_fn) {
        PyErr_SetString(PyExc_RuntimeError, "fills() needs the Spotter's confusables");
        return NULL;
    }
    return spot_walk(self, args, visit_fills);
}

static PyMethodDef Spotter_methods[] = {
    {"spots", (PyCFunction)Spotter_spots, METH_VARARGS, spots_doc},
    {"fills", (PyCFunction)Spotter_fills, METH_VARARGS, fills_doc},
    {NULL, NULL, 0, NULL},
};

KERNEL_TYPE(Spotter,
            "The windows around the characters no word covers, of typo_detect._confusions_in.");

/* ---- a byte a pair of characters: typo_detect.twin_contexts, typo_lm's compound scan ---- */

/* {two characters: a flag byte} as a Table of packed code points; flags(text) gives the
 * byte of every pair of neighbours, where Python built a new two-character str for each
 * and looked it up in a dict (about one in ten of them there) */
typedef struct {
    PyObject_HEAD
    Table pairs;
} PairFlags;

static void PairFlags_dealloc(PairFlags *self)
{
    table_free(&self->pairs);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int PairFlags_init(PairFlags *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"flags", NULL};
    PyObject *d;
    if (self->pairs.keys) {
        PyErr_SetString(PyExc_RuntimeError, "PairFlags is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!", kwlist, &PyDict_Type, &d))
        return -1;
    if (table_alloc(&self->pairs, (size_t)PyDict_GET_SIZE(d)) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(d, &pos, &k, &v)) {
        if (!PyUnicode_Check(k) || PyUnicode_GET_LENGTH(k) != 2) {
            PyErr_SetString(PyExc_ValueError, "PairFlags: every key is a str of two characters");
            return -1;
        }
        long f = PyLong_AsLong(v);
        if (f == -1 && PyErr_Occurred())
            return -1;
        if (f < 0 || f > 255) {
            PyErr_SetString(PyExc_ValueError, "PairFlags: every flag is a byte (0-255)");
            return -1;
        }
        uint64_t key = pack2(PyUnicode_READ_CHAR(k, 0), PyUnicode_READ_CHAR(k, 1));
        if (f && key)  /* (a flag 0 reads as no entry; "\0\0" is the table's empty key) */
            table_put(&self->pairs, key, f);
    }
    return 0;
}

PyDoc_STRVAR(flags_doc,
"flags(text) -> bytes\n\n"
"A byte a pair of neighbours: flags.get(text[i:i + 2], 0) for i in range(len(text) - 1).");

static PyObject *PairFlags_flags(PairFlags *self, PyObject *arg)
{
    if (!self->pairs.keys) {
        PyErr_SetString(PyExc_RuntimeError, "PairFlags is not initialised");
        return NULL;
    }
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "flags() takes a str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n > 1 ? n - 1 : 0);
    if (!out || n < 2)
        return out;
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(out);
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_UCS4 prev = PyUnicode_READ(kind, data, 0);
    for (Py_ssize_t i = 1; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        int64_t f;
        o[i - 1] = table_get(&self->pairs, pack2(prev, ch), &f) ? (unsigned char)f : 0;
        prev = ch;
    }
    return out;
}

PyDoc_STRVAR(from_arrays_doc,
"from_arrays(keys, vals) -> PairFlags\n\n"
"PairFlags of the pairs as packed keys (first code point << 21 | second: the bytes of a\n"
"uint64 array) and their flags (the bytes of a uint8 array, one a key), as\n"
"PairFlags({pair: flag}) of the same pairs.");

static PyObject *PairFlags_from_arrays(PyTypeObject *cls, PyObject *args)
{
    const char *k, *v;
    Py_ssize_t nk, nv;
    if (!PyArg_ParseTuple(args, "y#y#", &k, &nk, &v, &nv))
        return NULL;
    if (nk % (Py_ssize_t)sizeof(uint64_t) || nk / (Py_ssize_t)sizeof(uint64_t) != nv) {
        PyErr_SetString(PyExc_ValueError, "from_arrays: one flag byte a uint64 key");
        return NULL;
    }
    PairFlags *self = (PairFlags *)cls->tp_alloc(cls, 0);
    if (!self)
        return NULL;
    if (table_alloc(&self->pairs, (size_t)nv) < 0) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < nv; i++) {
        uint64_t key;
        memcpy(&key, k + i * (Py_ssize_t)sizeof(uint64_t), sizeof key);
        unsigned char f = (unsigned char)v[i];
        if (f && key) /* (as PairFlags(): a flag 0 reads as no entry) */
            table_put(&self->pairs, key, f);
    }
    return (PyObject *)self;
}

static PyMethodDef PairFlags_methods[] = {
    {"flags", (PyCFunction)PairFlags_flags, METH_O, flags_doc},
    {"from_arrays", (PyCFunction)PairFlags_from_arrays, METH_VARARGS | METH_CLASS,
     from_arrays_doc},
    {NULL, NULL, 0, NULL},
};

KERNEL_TYPE(PairFlags,
            "A flag byte for every pair of neighbouring characters, from a table of pairs.");

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_typokernel",
    .m_doc = "Compiled parts of the typo checks (checks/typo_lm.py, checks/typo_detect.py).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__typokernel(void)
{
    PyTypeObject *types[] = {&SearcherType, &LexiconType, &SpotterType, &PairFlagsType};
    size_t n = sizeof(types) / sizeof(types[0]);
    for (size_t i = 0; i < n; i++)
        if (PyType_Ready(types[i]) < 0)
            return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        /* the name in the module: tp_name after "checks._typokernel." */
        const char *name = strrchr(types[i]->tp_name, '.') + 1;
        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, name, (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
