/*
 * JSON text written by people (src/scenario/jsontext.c): parsing that says where
 * the text goes wrong, and short descriptions of values for messages.
 */
#ifndef CS_JSONTEXT_H
#define CS_JSONTEXT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parse len bytes of JSON text (a leading byte-order mark is skipped).
 * On invalid UTF-8, empty input or a syntax error: NULL, with one line in
 * err that starts with `what` and gives the line and column. */
cJSON *cs_json_parse_text(const char *text, size_t len, const char *what, char *err, size_t errlen);

/* A name and its place among its siblings; cs_named_order sorts them by
 * name, then place (qsort), to find repeated names or look names up in
 * n log n. */
struct cs_named {
    const char *name;
    size_t at;
};
int cs_named_order(const void *a, const void *b);

/* The first byte of text that does not begin a UTF-8 character, or NULL
 * when it is all UTF-8. */
const char *cs_utf8_invalid(const char *text, size_t len);

/* Where JSON text escapes a NUL (\u0000) in a string, or NULL: cJSON
 * ends the string there, so that "poisson\u0000junk" would read as
 * poisson and a path as the part before it. */
const char *cs_json_nul_escape(const char *text, size_t len);

/* A short printable form of a value (at most 60 characters). */
void cs_json_describe(const cJSON *v, char *buf, size_t len);

/* "a number", "a string", "a boolean", "null", "an array", "an object". */
const char *cs_json_type_word(const cJSON *v);

/* What the user gave, for "expected X, got ...": "a string \"x\"",
 * "a number 5", "null", "true". Returns buf. */
const char *cs_json_got(const cJSON *v, char *buf, size_t len);

/* The first name an object gives twice among its members, or NULL: cJSON
 * keeps both of a pair, and which one a reader takes is its own choice. */
const char *cs_json_repeated(const cJSON *obj);

/* Give every number in the tree under v the shortest text that reads back
 * as the same double, for printing: cJSON's own printing may drop the last
 * bit (1.7.15 prints 9007199254740991 as 9.00719925474099e+15, and
 * 0.30000000000000004 as 0.3). The numbers become raw text, which cJSON
 * prints as it is: call this just before printing, not before reading. */
void cs_json_exact_numbers(cJSON *v);

#endif
