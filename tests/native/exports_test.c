/* Test library for the ELF export reader. Each symbol's comment says whether
   ExportReader must list it; the tests compare against nm -D as well. */

int exp_add(int a, int b) { return a + b; }                     /* listed */

__attribute__((weak)) int exp_weak(void) { return 1; }           /* listed: weak function */

__attribute__((visibility("hidden"))) int exp_hidden(void) { return 2; }  /* not listed */

__attribute__((visibility("protected"))) int exp_protected(void) { return 3; } /* listed */

int exp_data = 42;                                               /* not listed: data */
const char exp_const_data[] = "data";                            /* not listed: data */

static int exp_static(void) { return exp_hidden() + 4; }         /* not listed: local */

int exp_calls_static(void) { return exp_static(); }              /* listed */

/* GNU indirect function: the resolver picks the implementation at load time. */
static int exp_ifunc_impl(void) { return 5; }
static int (*exp_ifunc_resolver(void))(void) { return exp_ifunc_impl; }
int exp_ifunc(void) __attribute__((ifunc("exp_ifunc_resolver"))); /* listed: STT_GNU_IFUNC */
