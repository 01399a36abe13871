#include <stdio.h>

/* Prints the first ten Fibonacci numbers: deterministic output for the docker suite. */
int main(void) {
  unsigned long a = 0, b = 1;
  printf("hello from c-multistage:");
  for (int i = 0; i < 10; i++) {
    unsigned long t = a + b;
    printf(" %lu", a);
    a = b;
    b = t;
  }
  printf("\n");
  return 0;
}
