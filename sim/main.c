/* pvmon-sim: entry point (being built). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "pvmon-sim: not built yet\n");
	return 1;
}
