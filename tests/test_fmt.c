/* test_fmt.c: the one number formatter (util.h's ut_fmt_num, ut_pad) and the interface's numbers
 * on it (app/app.h), which until now were checked only through program output. Expected strings
 * are written out by hand, in both languages: French groups with U+202F (narrow no-break space)
 * and writes ',', English groups with ',' and writes '.'. No "-0", NaN and infinities spelt out,
 * widths counted in characters. A French C locale for LC_NUMERIC, where the system has one, must
 * change nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "app/app.h"
#include "util.h"

#define NNBSP "\u202f"

static const ut_numstyle EN = { .mark = ".", .group = "," };
static const ut_numstyle FR = { .mark = ",", .group = NNBSP };
static const ut_numstyle MACHINE = { .mark = ".", .group = "" };

static const char *fmt(ut_numstyle st, double v, int sig, int decimals)
{
    static char buf[128];
    st.sig = sig, st.decimals = decimals;
    return ut_fmt_num(buf, sizeof buf, v, &st);
}

static void test_grouping_and_marks(void **state)
{
    (void)state;
    assert_string_equal(fmt(EN, 1456.5, 0, 1), "1,456.5");
    assert_string_equal(fmt(FR, 1456.5, 0, 1), "1" NNBSP "456,5");
    assert_string_equal(fmt(EN, 1234567, 0, 0), "1,234,567");
    assert_string_equal(fmt(FR, 1234567, 0, 0), "1" NNBSP "234" NNBSP "567");
    assert_string_equal(fmt(EN, 999, 0, 0), "999");
    assert_string_equal(fmt(EN, 100000, 0, 0), "100,000");
    assert_string_equal(fmt(MACHINE, 1234567.25, 0, 2), "1234567.25");
}

static void test_fixed_decimals_round(void **state)
{
    (void)state;
    assert_string_equal(fmt(EN, 2.0, 0, 3), "2.000");
    assert_string_equal(fmt(EN, 0.0004, 0, 3), "0.000");
    assert_string_equal(fmt(EN, 0.0006, 0, 3), "0.001");
    assert_string_equal(fmt(EN, 999.96, 0, 1), "1,000.0");   /* the carry reaches a new group */
    assert_string_equal(fmt(FR, 999999.5, 0, 0), "1" NNBSP "000" NNBSP "000");
}

static void test_significant_figures(void **state)
{
    (void)state;
    assert_string_equal(fmt(EN, 989, 3, 9), "989");
    assert_string_equal(fmt(EN, 3.3512, 3, 9), "3.35");
    assert_string_equal(fmt(EN, 0.04213, 3, 9), "0.0421");
    assert_string_equal(fmt(EN, 1234.6, 3, 9), "1,235");           /* never digits turned into zeros */
    assert_string_equal(fmt(FR, 0.04213, 3, 9), "0,0421");
    assert_string_equal(fmt(EN, 100, 3, 9), "100");                /* a power of ten: log10 exactly 2 */
    assert_string_equal(fmt(EN, 1000, 3, 9), "1,000");
    assert_string_equal(fmt(EN, 0.001, 3, 9), "0.00100");
    assert_string_equal(fmt(EN, 0.04213, 3, 3), "0.042");          /* capped decimals */
    assert_string_equal(fmt(EN, 0, 3, 9), "0");
    assert_int_equal(ut_sig_decimals(0.5, 3), 3);
    assert_int_equal(ut_sig_decimals(50, 3), 1);
    assert_int_equal(ut_sig_decimals(5e6, 3), 0);
}

static void test_negative_and_no_minus_zero(void **state)
{
    (void)state;
    assert_string_equal(fmt(EN, -1456.5, 0, 1), "-1,456.5");
    assert_string_equal(fmt(FR, -0.25, 0, 2), "-0,25");
    assert_string_equal(fmt(EN, -0.04, 0, 1), "0.0");              /* printf writes "-0.0" */
    assert_string_equal(fmt(EN, -0.0, 0, 0), "0");
    assert_string_equal(fmt(EN, -1e-12, 3, 9), "0.000000000");      /* beyond the cap it is zero: no sign */
    ut_numstyle plus = EN;
    plus.plus = 1, plus.decimals = 1;
    char b[32];
    assert_string_equal(ut_fmt_num(b, sizeof b, 2.54, &plus), "+2.5");
    assert_string_equal(ut_fmt_num(b, sizeof b, -2.54, &plus), "-2.5");
    assert_string_equal(ut_fmt_num(b, sizeof b, 0.01, &plus), "0.0");    /* neither + nor - on zero */
}

static void test_nan_and_infinities(void **state)
{
    (void)state;
    assert_string_equal(fmt(EN, NAN, 0, 2), "NaN");
    assert_string_equal(fmt(FR, INFINITY, 3, 9), "\u221e");
    assert_string_equal(fmt(EN, -INFINITY, 0, 0), "-\u221e");
}

static void test_very_large_and_very_small(void **state)
{
    (void)state;
    char b[1024];
    ut_numstyle st = EN;
    ut_fmt_num(b, sizeof b, 1e300, &st);
    assert_int_equal(strlen(b), 301 + 100);                       /* 301 digits, 100 commas: no exponent */
    assert_memory_equal(b, "1,000,000,000", 13);
    ut_fmt_num(b, sizeof b, -DBL_MAX, &st);
    assert_int_equal(b[0], '-');
    assert_string_equal(fmt(EN, 1e-300, 3, 9), "0.000000000");   /* at most 9 decimals: reads as zero, not 1e-300 */
    assert_string_equal(fmt(EN, 1.5e-7, 2, 17), "0.00000015");
    char small[8];
    ut_fmt_num(small, sizeof small, 123456789, &st);               /* cut to the buffer, terminated */
    assert_string_equal(small, "123,456");
}

static void test_trim(void **state)
{
    (void)state;
    ut_numstyle st = FR;
    st.decimals = 2, st.trim = 1;
    char b[32];
    assert_string_equal(ut_fmt_num(b, sizeof b, 7.5, &st), "7,5");
    assert_string_equal(ut_fmt_num(b, sizeof b, 10, &st), "10");
    assert_string_equal(ut_fmt_num(b, sizeof b, 0.004, &st), "0");
}

/* LC_NUMERIC fr_FR would make printf write "1,5"; the formatter reads what printf wrote and puts
 * the style's mark. Skipped where the locale is not installed. */
static void test_locale_changes_nothing(void **state)
{
    (void)state;
    if (!setlocale(LC_NUMERIC, "fr_FR.UTF-8")) skip();
    assert_string_equal(fmt(EN, 1456.5, 0, 1), "1,456.5");
    assert_string_equal(fmt(FR, 1456.5, 0, 1), "1" NNBSP "456,5");
    setlocale(LC_NUMERIC, "C");
}

static void test_pad_counts_characters(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(ut_utf8_len("µs"), 2);
    assert_int_equal(ut_utf8_len("1" NNBSP "456,5"), 7);
    assert_string_equal(ut_pad(b, sizeof b, "µs", 4), "µs  ");      /* printf's %-4s would give one space */
    assert_string_equal(ut_pad(b, sizeof b, "étape", -7), "  étape");
    assert_string_equal(ut_pad(b, sizeof b, "1" NNBSP "024", -7), "  1" NNBSP "024");
    assert_string_equal(ut_pad(b, sizeof b, "longer than", 3), "longer than");
}

static void test_clock_is_monotonic(void **state)
{
    (void)state;
    double a = ut_now_s(), b = ut_now_s();
    assert_true(a > 0 && b >= a);
}

/* The interface's numbers, in both languages. */
static void test_app_numbers(void **state)
{
    (void)state;
    char b[64];
    app_set_language("en");
    assert_string_equal(app_num(b, sizeof b, 1024, 0), "1,024");
    assert_string_equal(app_sig(b, sizeof b, 1.9632, 3), "1.96");
    assert_string_equal(app_pct(b, sizeof b, 0.84, 1), "0.8 %");
    assert_string_equal(app_signed(b, sizeof b, 0.84, 1), "+0.8");
    assert_string_equal(app_bytes(b, sizeof b, 12.5 * 1048576), "12.50 MiB");
    assert_string_equal(app_bytes(b, sizeof b, 1073741824.0), "1 GiB");
    assert_string_equal(app_time(b, sizeof b, 0.046591), "46.591 ms");
    assert_string_equal(app_duration(b, sizeof b, 0.814), "814 ms");
    assert_string_equal(app_duration(b, sizeof b, 3.2e-6), "3.20 µs");
    assert_string_equal(app_g(b, sizeof b, 0.001), "0.001");
    assert_string_equal(app_short(b, sizeof b, 7.5), "7.5");
    assert_string_equal(app_sci(b, sizeof b, 1.2e-4, 1), "1.2e-04");
    assert_string_equal(app_sci(b, sizeof b, 9.96e5, 1), "1.0e+06");
    app_set_language("fr");
    assert_true(app_is_french());
    assert_string_equal(app_num(b, sizeof b, 1024, 0), "1" NNBSP "024");
    assert_string_equal(app_sig(b, sizeof b, 1.9632, 3), "1,96");
    assert_string_equal(app_pct(b, sizeof b, 0.84, 1), "0,8 %");
    assert_string_equal(app_signed(b, sizeof b, -0.43, 1), "-0,4");
    assert_string_equal(app_bytes(b, sizeof b, 12.5 * 1048576), "12,50 MiB");
    assert_string_equal(app_time(b, sizeof b, 1.2), "1,200 s");
    assert_string_equal(app_duration(b, sizeof b, 0.814), "814 ms");
    assert_string_equal(app_g(b, sizeof b, 0.001), "0,001");
    assert_string_equal(app_sci(b, sizeof b, 1.2e-4, 1), "1,2e-04");
    app_set_language("en");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping_and_marks),
        cmocka_unit_test(test_fixed_decimals_round),
        cmocka_unit_test(test_significant_figures),
        cmocka_unit_test(test_negative_and_no_minus_zero),
        cmocka_unit_test(test_nan_and_infinities),
        cmocka_unit_test(test_very_large_and_very_small),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_locale_changes_nothing),
        cmocka_unit_test(test_pad_counts_characters),
        cmocka_unit_test(test_clock_is_monotonic),
        cmocka_unit_test(test_app_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
