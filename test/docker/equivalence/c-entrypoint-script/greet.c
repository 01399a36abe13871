#include <stdio.h>
int main(void) { puts("hello from greet"); return 0; }
