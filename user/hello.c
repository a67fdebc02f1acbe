/* hello: the smallest user program - its pid and its arguments. */
#include <tourniquet.h>

int main(int argc, char **argv)
{
    printf("hello from process %d, in ring 3:", getpid());
    for (int i = 0; i < argc; i++)
        printf(" argv[%d]=\"%s\"", i, argv[i]);
    printf("\n");
    return 0;
}
