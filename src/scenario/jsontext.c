/*
 * JSON text written by people (scenarios, results files): parsed with the
 * place of the first invalid UTF-8 byte or syntax error, and values
 * described for messages. config.c and jsonpath.c read through here.
 */
#include "cs/jsontext.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void cs_json_describe(const cJSON *v, char *buf, size_t len)
{
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

cJSON *cs_json_parse_text(const char *text, size_t len, const char *what, char *err, size_t errlen)
{
    int line, col;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) { /* a byte-order mark some editors write */
        text += 3;
        len -= 3;
    }
    const unsigned char *u = (const unsigned char *)text, *uend = u + len;
    while (u < uend) {
        size_t n = utf8_char(u, uend);
        if (n == 0) {
            line_col(text, (const char *)u, &line, &col);
            snprintf(err, errlen, "%s: byte 0x%02x at line %d, column %d is not UTF-8 text", what, *u, line, col);
            return NULL;
        }
        u += n;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root)
        return root;
    line_col(text, end && end <= text + len ? end : text + len, &line, &col);
    if (len == 0)
        snprintf(err, errlen, "%s: empty input, expected a JSON object", what);
    else
        snprintf(err, errlen, "%s: invalid JSON at line %d, column %d", what, line, col);
    return NULL;
}
