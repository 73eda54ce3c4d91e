package dev.kvlens.viewer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javafx.css.CssMetaData;
import javafx.css.FontCssMetaData;
import javafx.css.SimpleStyleableObjectProperty;
import javafx.css.Styleable;
import javafx.css.StyleableObjectProperty;
import javafx.css.StyleableProperty;
import javafx.css.converter.PaintConverter;
import javafx.beans.value.ChangeListener;
import javafx.scene.Node;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.paint.Paint;
import javafx.scene.text.Font;

/**
 * Base of every canvas-drawn view: the colours and the font it draws with come from CSS, so the
 * app's dark/light theme and presentation mode (a larger root font size, which {@code -fx-font}
 * inherits) apply to text painted on a canvas as they do to ordinary controls.
 *
 * <p>CSS properties (defaults in {@code viewer.css}, derived from Modena's looked-up colours):
 * {@code -fx-font}, {@code -kv-text-fill}, {@code -kv-muted-fill} (secondary text, grid lines),
 * {@code -kv-mark-fill} (evicted entries), {@code -kv-accent-fill} (selection), {@code -kv-empty-fill}
 * (cells without data).
 */
public abstract class StyledView extends Region {

    private static final String STYLESHEET = StyledView.class.getResource("viewer.css").toExternalForm();

    private final StyleableObjectProperty<Font> font =
            new SimpleStyleableObjectProperty<>(FONT, this, "font", Font.getDefault());
    private final StyleableObjectProperty<Paint> textFill =
            new SimpleStyleableObjectProperty<>(TEXT_FILL, this, "textFill", Color.BLACK);
    private final StyleableObjectProperty<Paint> mutedFill =
            new SimpleStyleableObjectProperty<>(MUTED_FILL, this, "mutedFill", Color.GRAY);
    private final StyleableObjectProperty<Paint> markFill =
            new SimpleStyleableObjectProperty<>(MARK_FILL, this, "markFill", Color.gray(0.55));
    private final StyleableObjectProperty<Paint> accentFill =
            new SimpleStyleableObjectProperty<>(ACCENT_FILL, this, "accentFill", Color.web("#0096c9"));
    private final StyleableObjectProperty<Paint> emptyFill =
            new SimpleStyleableObjectProperty<>(EMPTY_FILL, this, "emptyFill", Color.gray(0.9));

    protected StyledView() {
        getStyleClass().add("kv-view");
        for (StyleableObjectProperty<?> p : List.of(font, textFill, mutedFill, markFill, accentFill, emptyFill)) {
            p.addListener((obs, a, b) -> styleChanged());
        }
    }

    /** Called when a CSS-set colour or the font changed: views repaint. */
    protected abstract void styleChanged();

    private boolean stale;
    private Node hiddenAncestor;
    private final ChangeListener<Boolean> reshown = (o, was, now) -> {
        if (now) {
            unwatchHidden();
            requestLayout();
        }
    };

    /**
     * Marks the content out of date: it is rebuilt in the next layout pass in which the view shows
     * (model revisions arrive many times a second; hidden views should not pay for them).
     */
    protected final void invalidateContent() {
        stale = true;
        requestLayout();
    }

    /** Rebuilds the content from the model now (subclasses that use {@link #invalidateContent()}). */
    protected void rebuildContent() {
    }

    /** Brings out-of-date content up to date now, for readers outside a layout pass (tests, export). */
    public final void flush() {
        if (stale) {
            stale = false;
            rebuildContent();
        }
    }

    /** Called from layoutChildren: rebuilds stale content if the view shows. */
    protected final void flushIfShowing() {
        if (stale && showing()) {
            flush();
        }
    }

    /**
     * Whether no ancestor is hidden (a TabPane keeps unselected tabs in the scene, invisible, and
     * still lays them out). When one is, a layout is requested for when it shows again.
     */
    protected final boolean showing() {
        for (Node n = this; n != null; n = n.getParent()) {
            if (!n.isVisible()) {
                if (hiddenAncestor != n) {
                    unwatchHidden();
                    hiddenAncestor = n;
                    n.visibleProperty().addListener(reshown);
                }
                return false;
            }
        }
        unwatchHidden();
        return true;
    }

    private void unwatchHidden() {
        if (hiddenAncestor != null) {
            hiddenAncestor.visibleProperty().removeListener(reshown);
            hiddenAncestor = null;
        }
    }

    @Override
    public String getUserAgentStylesheet() {
        return STYLESHEET;
    }

    public final Font getFont() {
        return font.get();
    }

    public final StyleableObjectProperty<Font> fontProperty() {
        return font;
    }

    public final Color getTextFill() {
        return asColor(textFill.get(), Color.BLACK);
    }

    public final Color getMutedFill() {
        return asColor(mutedFill.get(), Color.GRAY);
    }

    public final Color getMarkFill() {
        return asColor(markFill.get(), Color.GRAY);
    }

    public final Color getAccentFill() {
        return asColor(accentFill.get(), Color.DODGERBLUE);
    }

    public final Color getEmptyFill() {
        return asColor(emptyFill.get(), Color.LIGHTGRAY);
    }

    /** A font of this view's family at {@code factor} times its size (headings, small print). */
    public final Font scaledFont(double factor) {
        Font f = getFont();
        return Font.font(f.getFamily(), f.getSize() * factor);
    }

    private static Color asColor(Paint p, Color fallback) {
        return p instanceof Color c ? c : fallback;
    }

    private static final FontCssMetaData<StyledView> FONT = new FontCssMetaData<>("-fx-font", Font.getDefault()) {
        @Override
        public boolean isSettable(StyledView v) {
            return !v.font.isBound();
        }

        @Override
        public StyleableProperty<Font> getStyleableProperty(StyledView v) {
            return v.font;
        }
    };

    private static final CssMetaData<StyledView, Paint> TEXT_FILL = paint("-kv-text-fill", Color.BLACK, v -> v.textFill);
    private static final CssMetaData<StyledView, Paint> MUTED_FILL = paint("-kv-muted-fill", Color.GRAY, v -> v.mutedFill);
    private static final CssMetaData<StyledView, Paint> MARK_FILL = paint("-kv-mark-fill", Color.gray(0.55), v -> v.markFill);
    private static final CssMetaData<StyledView, Paint> ACCENT_FILL =
            paint("-kv-accent-fill", Color.web("#0096c9"), v -> v.accentFill);
    private static final CssMetaData<StyledView, Paint> EMPTY_FILL =
            paint("-kv-empty-fill", Color.gray(0.9), v -> v.emptyFill);

    private static CssMetaData<StyledView, Paint> paint(String name, Paint initial,
                                                        java.util.function.Function<StyledView, StyleableObjectProperty<Paint>> of) {
        return new CssMetaData<>(name, PaintConverter.getInstance(), initial) {
            @Override
            public boolean isSettable(StyledView v) {
                return !of.apply(v).isBound();
            }

            @Override
            public StyleableProperty<Paint> getStyleableProperty(StyledView v) {
                return of.apply(v);
            }
        };
    }

    private static final List<CssMetaData<? extends Styleable, ?>> CSS;

    static {
        List<CssMetaData<? extends Styleable, ?>> all = new ArrayList<>(Region.getClassCssMetaData());
        all.addAll(List.of(FONT, TEXT_FILL, MUTED_FILL, MARK_FILL, ACCENT_FILL, EMPTY_FILL));
        CSS = Collections.unmodifiableList(all);
    }

    public static List<CssMetaData<? extends Styleable, ?>> getClassCssMetaData() {
        return CSS;
    }

    @Override
    public List<CssMetaData<? extends Styleable, ?>> getCssMetaData() {
        return CSS;
    }
}
