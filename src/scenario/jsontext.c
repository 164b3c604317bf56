/*
 * JSON text written by people (scenarios, results files): parsed with the
 * place of the first invalid UTF-8 byte or syntax error, and values
 * described for messages. config.c and jsonpath.c read through here.
 */
#include "cs/jsontext.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/fileio.h"

void cs_json_describe(const cJSON *v, char *buf, size_t len)
{
    /* (cJSON reads 1e999 as infinity and prints it as null) */
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) {
        snprintf(buf, len, "%s", v->valuedouble > 0 ? "above 1.8e308" : "below -1.8e308");
        return;
    }
    char *s = cJSON_PrintUnformatted(v);
    if (!s) {
        snprintf(buf, len, "(unprintable)");
        return;
    }
    if (strlen(s) > 60)
        snprintf(buf, len, "%.57s...", s);
    else
        snprintf(buf, len, "%s", s);
    cJSON_free(s);
}

const char *cs_json_type_word(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an invalid value";
}

int cs_named_order(const void *a, const void *b)
{
    const struct cs_named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

const char *cs_json_repeated(const cJSON *obj)
{
    size_t n = 0;
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next)
        n += c->string != NULL;
    struct cs_named *keys = n > 16 ? malloc(n * sizeof(*keys)) : NULL;
    if (!keys) { /* a few keys (or no memory): each against those before it */
        for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next)
            for (const cJSON *d = obj->child; d != c; d = d->next)
                if (c->string && d->string && strcmp(d->string, c->string) == 0)
                    return c->string;
        return NULL;
    }
    /* Many (thousands of per-node overrides, a file of 16 MB): sorted, in
     * n log n, the same answer: the key whose second time comes first. */
    n = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        if (c->string) {
            keys[n] = (struct cs_named){c->string, n};
            n++;
        }
    qsort(keys, n, sizeof(*keys), cs_named_order);
    const char *first = NULL;
    size_t when = SIZE_MAX;
    for (size_t i = 1; i < n; i++)
        if (strcmp(keys[i].name, keys[i - 1].name) == 0 && (i < 2 || strcmp(keys[i - 1].name, keys[i - 2].name) != 0) &&
            keys[i].at < when) {
            when = keys[i].at;
            first = keys[i].name;
        }
    free(keys);
    return first;
}

const char *cs_json_got(const cJSON *v, char *buf, size_t len)
{
    char shown[64];
    cs_json_describe(v, shown, sizeof(shown));
    if (cJSON_IsNull(v) || cJSON_IsBool(v))
        snprintf(buf, len, "%s", shown);
    else
        snprintf(buf, len, "%s %s", cs_json_type_word(v), shown);
    return buf;
}

/* The shortest of 15, 16 or 17 significant digits that strtod reads back
 * as x exactly (17 always does); zero as 0, as cJSON prints it. */
static void exact_number(double x, char *buf, size_t len)
{
    if (!isfinite(x)) {
        snprintf(buf, len, "null");
        return;
    }
    if (x == 0) {
        snprintf(buf, len, "0");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

void cs_json_exact_numbers(cJSON *v)
{
    if (!v)
        return;
    if (cJSON_IsNumber(v)) {
        char buf[40];
        exact_number(v->valuedouble, buf, sizeof(buf));
        char *text = cJSON_malloc(strlen(buf) + 1);
        if (!text)
            return; /* out of memory: cJSON prints it its own way */
        memcpy(text, buf, strlen(buf) + 1);
        v->valuestring = text; /* freed by cJSON_Delete, as a raw item's */
        v->type = cJSON_Raw | (v->type & cJSON_StringIsConst);
        return;
    }
    for (cJSON *c = v->child; c; c = c->next)
        cs_json_exact_numbers(c);
}

static size_t utf8_char(const unsigned char *p, const unsigned char *end)
{
    if (p[0] == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    size_t n = (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || (size_t)(end - p) < n)
        return 0;
    uint32_t cp = p[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0; /* overlong, beyond Unicode, or a surrogate */
    return n;
}

/* Line and column (1-based, in bytes) of position stop in text. */
static void line_col(const char *text, const char *stop, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < stop; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* How deep in arrays and objects the text is at `at` (outside strings):
 * the parser stops, without saying why, past CJSON_NESTING_LIMIT. */
static int depth_at(const char *text, const char *at)
{
    int depth = 0;
    bool in_string = false;
    for (const char *p = text; p < at; p++) {
        if (in_string) {
            if (*p == '\\' && p + 1 < at)
                p++;
            else if (*p == '"')
                in_string = false;
        } else if (*p == '"') {
            in_string = true;
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if (*p == ']' || *p == '}') {
            depth--;
        }
    }
    return depth;
}

const char *cs_json_nul_escape(const char *text, size_t len)
{
    for (const char *c = text, *end = text + len; c + 1 < end; c++) {
        if (*c != '\\')
            continue;
        if (c[1] == 'u' && end - c >= 6 && memcmp(c + 2, "0000", 4) == 0)
            return c;
        c++; /* the escaped character (\\ is a backslash, not an escape) */
    }
    return NULL;
}

const char *cs_utf8_invalid(const char *text, size_t len)
{
    const unsigned char *u = (const unsigned char *)text, *uend = u + len;
    while (u < uend) {
        size_t n = utf8_char(u, uend);
        if (n == 0)
            return (const char *)u;
        u += n;
    }
    return NULL;
}

cJSON *cs_json_parse_text(const char *text, size_t len, const char *what, char *err, size_t errlen)
{
    int line, col;
    size_t bom = cs_text_bom(text, len);
    text += bom;
    len -= bom;
    const char *bad = cs_utf8_invalid(text, len);
    if (bad) {
        line_col(text, bad, &line, &col);
        snprintf(err, errlen, "%s: byte 0x%02x at line %d, column %d is not UTF-8 text", what, (unsigned char)*bad,
                 line, col);
        return NULL;
    }
    const char *nul = cs_json_nul_escape(text, len);
    if (nul) {
        line_col(text, nul, &line, &col);
        snprintf(err, errlen, "%s: \\u0000 (a NUL character) at line %d, column %d: no name, value or path holds one",
                 what, line, col);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root) {
        /* One value, and nothing after it but blanks: a second object
         * appended (two files run together) is not silently left out. */
        const char *rest = end;
        while (rest < text + len && (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r'))
            rest++;
        if (rest == text + len)
            return root;
        cJSON_Delete(root);
        line_col(text, rest, &line, &col);
        snprintf(err, errlen, "%s: more after the JSON value, at line %d, column %d", what, line, col);
        return NULL;
    }
    const char *at = end && end <= text + len ? end : text + len;
    line_col(text, at, &line, &col);
    if (len == 0)
        snprintf(err, errlen, "%s: empty input, expected a JSON object", what);
    else if (depth_at(text, at) >= CJSON_NESTING_LIMIT)
        snprintf(err, errlen, "%s: nested deeper than %d arrays and objects, at line %d, column %d", what,
                 CJSON_NESTING_LIMIT, line, col);
    else
        snprintf(err, errlen, "%s: invalid JSON at line %d, column %d", what, line, col);
    return NULL;
}
