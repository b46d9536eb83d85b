/* link_main.c — an empty program. tests/layers/meson.build links every layer's library
 * whole into one of these against the layers below it only: a call from a layer into a
 * layer above it (or into libvirt from util, model or policy) is an undefined symbol and
 * fails the build. */
int main(void)
{
    return 0;
}
