/* Function pointers as values: a vtable of function pointers, functions that return and take them. */
#include <stddef.h>

typedef int (*binop)(int, int);

struct func_ops {
    int (*combine)(int, int);
    double (*scale)(double);
    int tag;
};

int func_add(int a, int b) { return a + b; }
int func_mul(int a, int b) { return a * b; }
double func_half(double x) { return x / 2; }

/* Fills a vtable: combine = add, scale = half. */
void func_fill_ops(struct func_ops *o) {
    o->combine = func_add;
    o->scale = func_half;
    o->tag = 7;
}

/* 0: add, 1: mul, otherwise NULL. */
binop func_pick(int which) { return which == 0 ? func_add : which == 1 ? func_mul : NULL; }

/* Calls what the vtable holds now (a stored Lua callback included); -1 for NULL. */
int func_apply(const struct func_ops *o, int a, int b) { return o->combine ? o->combine(a, b) : -1; }

/* Folds xs with f: f(f(xs[0], xs[1]), xs[2]) ... */
int func_fold(const int *xs, int n, int (*f)(int, int)) {
    int acc = xs[0];
    for (int i = 1; i < n; i++) acc = f(acc, xs[i]);
    return acc;
}

/* The address of combine as C sees it: Lua reads the field and compares. */
void *func_combine_address(const struct func_ops *o) { return (void *)o->combine; }

/* A variable: inside the library's image, not in its code (a function pointer may not reach it under an allow-list). */
int func_counter = 1;
