// The cairo, pango and GObject functions the PDF writer calls, loaded on first use.
//
// Linked, they made every start of the `octoisp` binary map and relocate about 35 shared libraries
// (cairo, pango, glib, fontconfig, freetype, harfbuzz, X11…) and run GObject's constructors, although
// only reports draw. Each function here has the name and the prototype of the real one (declared in
// include/CPangoCairo.h), so the Swift code calls it unchanged; the first call opens the library and
// looks the real function up in it. A missing library stops the process with its name, as the dynamic
// loader would have. The package links none of these libraries.
#include "CPangoCairo.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

enum library { CAIRO, PANGO, PANGOCAIRO, GOBJECT, LIBRARIES };

static const char *const sonames[LIBRARIES] = {
    "libcairo.so.2", "libpango-1.0.so.0", "libpangocairo-1.0.so.0", "libgobject-2.0.so.0",
};

static void *handles[LIBRARIES];

static void *octoisp_symbol(enum library library, const char *name) {
    void *handle = __atomic_load_n(&handles[library], __ATOMIC_ACQUIRE);
    if (handle == NULL) {
        // dlopen of an open library returns the same handle: a race here opens it once.
        handle = dlopen(sonames[library], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            fprintf(stderr, "octoisp: cannot load %s (PDF reports need it): %s\n", sonames[library], dlerror());
            abort();
        }
        __atomic_store_n(&handles[library], handle, __ATOMIC_RELEASE);
    }
    void *symbol = dlsym(handle, name);
    if (symbol == NULL) {
        fprintf(stderr, "octoisp: %s has no %s: %s\n", sonames[library], name, dlerror());
        abort();
    }
    return symbol;
}

// The real function, looked up once; the pointer is the library's own definition (dlsym on its handle).
#define REAL(library, name)                                                                   \
    static __typeof__(name) *real_##name;                                                     \
    __typeof__(name) *real = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE);                 \
    if (real == NULL) {                                                                       \
        real = (__typeof__(name) *)octoisp_symbol(library, #name);                            \
        __atomic_store_n(&real_##name, real, __ATOMIC_RELEASE);                               \
    }

// cairo
cairo_t *cairo_create(cairo_surface_t *target) { REAL(CAIRO, cairo_create) return real(target); }
void cairo_destroy(cairo_t *cr) { REAL(CAIRO, cairo_destroy) real(cr); }
void cairo_save(cairo_t *cr) { REAL(CAIRO, cairo_save) real(cr); }
void cairo_restore(cairo_t *cr) { REAL(CAIRO, cairo_restore) real(cr); }
void cairo_close_path(cairo_t *cr) { REAL(CAIRO, cairo_close_path) real(cr); }
void cairo_fill(cairo_t *cr) { REAL(CAIRO, cairo_fill) real(cr); }
void cairo_stroke(cairo_t *cr) { REAL(CAIRO, cairo_stroke) real(cr); }
void cairo_paint(cairo_t *cr) { REAL(CAIRO, cairo_paint) real(cr); }
void cairo_show_page(cairo_t *cr) { REAL(CAIRO, cairo_show_page) real(cr); }
void cairo_move_to(cairo_t *cr, double x, double y) { REAL(CAIRO, cairo_move_to) real(cr, x, y); }
void cairo_line_to(cairo_t *cr, double x, double y) { REAL(CAIRO, cairo_line_to) real(cr, x, y); }
void cairo_translate(cairo_t *cr, double tx, double ty) { REAL(CAIRO, cairo_translate) real(cr, tx, ty); }
void cairo_scale(cairo_t *cr, double sx, double sy) { REAL(CAIRO, cairo_scale) real(cr, sx, sy); }
void cairo_rectangle(cairo_t *cr, double x, double y, double width, double height) {
    REAL(CAIRO, cairo_rectangle) real(cr, x, y, width, height);
}
void cairo_set_dash(cairo_t *cr, const double *dashes, int num_dashes, double offset) {
    REAL(CAIRO, cairo_set_dash) real(cr, dashes, num_dashes, offset);
}
void cairo_set_line_width(cairo_t *cr, double width) { REAL(CAIRO, cairo_set_line_width) real(cr, width); }
void cairo_set_source_rgb(cairo_t *cr, double red, double green, double blue) {
    REAL(CAIRO, cairo_set_source_rgb) real(cr, red, green, blue);
}
void cairo_set_source_rgba(cairo_t *cr, double red, double green, double blue, double alpha) {
    REAL(CAIRO, cairo_set_source_rgba) real(cr, red, green, blue, alpha);
}
void cairo_set_source_surface(cairo_t *cr, cairo_surface_t *surface, double x, double y) {
    REAL(CAIRO, cairo_set_source_surface) real(cr, surface, x, y);
}
const char *cairo_status_to_string(cairo_status_t status) { REAL(CAIRO, cairo_status_to_string) return real(status); }
void cairo_surface_destroy(cairo_surface_t *surface) { REAL(CAIRO, cairo_surface_destroy) real(surface); }
void cairo_surface_finish(cairo_surface_t *surface) { REAL(CAIRO, cairo_surface_finish) real(surface); }
cairo_status_t cairo_surface_status(cairo_surface_t *surface) { REAL(CAIRO, cairo_surface_status) return real(surface); }
cairo_surface_t *cairo_image_surface_create_from_png_stream(cairo_read_func_t read_func, void *closure) {
    REAL(CAIRO, cairo_image_surface_create_from_png_stream) return real(read_func, closure);
}
int cairo_image_surface_get_width(cairo_surface_t *surface) { REAL(CAIRO, cairo_image_surface_get_width) return real(surface); }
int cairo_image_surface_get_height(cairo_surface_t *surface) { REAL(CAIRO, cairo_image_surface_get_height) return real(surface); }
cairo_surface_t *cairo_pdf_surface_create_for_stream(cairo_write_func_t write_func, void *closure, double width_in_points,
                                                     double height_in_points) {
    REAL(CAIRO, cairo_pdf_surface_create_for_stream) return real(write_func, closure, width_in_points, height_in_points);
}
void cairo_pdf_surface_set_metadata(cairo_surface_t *surface, cairo_pdf_metadata_t metadata, const char *utf8) {
    REAL(CAIRO, cairo_pdf_surface_set_metadata) real(surface, metadata, utf8);
}

// pango
PangoFontDescription *pango_font_description_new(void) { REAL(PANGO, pango_font_description_new) return real(); }
void pango_font_description_free(PangoFontDescription *desc) { REAL(PANGO, pango_font_description_free) real(desc); }
void pango_font_description_set_family(PangoFontDescription *desc, const char *family) {
    REAL(PANGO, pango_font_description_set_family) real(desc, family);
}
void pango_font_description_set_weight(PangoFontDescription *desc, PangoWeight weight) {
    REAL(PANGO, pango_font_description_set_weight) real(desc, weight);
}
void pango_font_description_set_absolute_size(PangoFontDescription *desc, double size) {
    REAL(PANGO, pango_font_description_set_absolute_size) real(desc, size);
}
void pango_layout_set_text(PangoLayout *layout, const char *text, int length) { REAL(PANGO, pango_layout_set_text) real(layout, text, length); }
void pango_layout_set_width(PangoLayout *layout, int width) { REAL(PANGO, pango_layout_set_width) real(layout, width); }
void pango_layout_set_wrap(PangoLayout *layout, PangoWrapMode wrap) { REAL(PANGO, pango_layout_set_wrap) real(layout, wrap); }
void pango_layout_set_ellipsize(PangoLayout *layout, PangoEllipsizeMode ellipsize) {
    REAL(PANGO, pango_layout_set_ellipsize) real(layout, ellipsize);
}
void pango_layout_set_alignment(PangoLayout *layout, PangoAlignment alignment) {
    REAL(PANGO, pango_layout_set_alignment) real(layout, alignment);
}
void pango_layout_set_font_description(PangoLayout *layout, const PangoFontDescription *desc) {
    REAL(PANGO, pango_layout_set_font_description) real(layout, desc);
}
void pango_layout_get_pixel_size(PangoLayout *layout, int *width, int *height) {
    REAL(PANGO, pango_layout_get_pixel_size) real(layout, width, height);
}

// pangocairo
PangoLayout *pango_cairo_create_layout(cairo_t *cr) { REAL(PANGOCAIRO, pango_cairo_create_layout) return real(cr); }
void pango_cairo_show_layout(cairo_t *cr, PangoLayout *layout) { REAL(PANGOCAIRO, pango_cairo_show_layout) real(cr, layout); }

// GObject
void g_object_unref(gpointer object) { REAL(GOBJECT, g_object_unref) real(object); }
