/* Test DLL for the PE export reader; exports_test_pe.def decides what is exported. */

int pe_add(int a, int b) { return a + b; }        /* named export */
int pe_mul(int a, int b) { return a * b; }        /* named export with a fixed ordinal */
int pe_by_ordinal(void) { return 7; }             /* exported by ordinal only (NONAME) */
int pe_not_exported(void) { return 8; }           /* missing from the .def: not exported */
int pe_data = 42;                                 /* DATA export: not listed */
