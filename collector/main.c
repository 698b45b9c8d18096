/* pvmon-collector: entry point (being built). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "pvmon-collector: not built yet\n");
	return 1;
}
