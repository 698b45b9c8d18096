/* pvmon-allocator: entry point (being built). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "pvmon-allocator: not built yet\n");
	return 1;
}
