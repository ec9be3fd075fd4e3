/* Functions that count their calls, loaded into the test process but never allowed:
   the policy fuzz test draws their names and checks afterwards that none ran. */
int policy_spy_calls = 0;

int policy_spy_hit(void) { return ++policy_spy_calls; }
int policy_spy_add(int a, int b) { ++policy_spy_calls; return a + b; }
void *policy_spy_ptr(void *p) { ++policy_spy_calls; return p; }
