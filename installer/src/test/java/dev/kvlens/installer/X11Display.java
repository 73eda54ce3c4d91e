package dev.kvlens.installer;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal X11 protocol client over the display's Unix socket: lists top-level windows with their
 * titles and geometry, and reads screen pixels (GetImage). It lets the tests wait for a named window
 * and screenshot it with the JDK alone, without xwininfo/xwd/imagemagick or a second JVM on the display.
 * No authentication is sent: meant for a private Xvfb started without -auth.
 */
final class X11Display implements AutoCloseable {

    private static final int ATOM_WM_NAME = 39;
    private static final int ANY_PROPERTY_TYPE = 0;
    private static final int Z_PIXMAP = 2;
    private static final int MAP_STATE_VIEWABLE = 2;

    /** A top-level window: id, title, bounds on the screen, and whether it is shown. */
    record Window(int id, String title, Rectangle bounds, boolean viewable) {
    }

    private final SocketChannel channel;
    private final int root;
    private final int screenWidth;
    private final int screenHeight;
    private final int redMask;
    private final int greenMask;
    private final int blueMask;
    private final int rootDepthBitsPerPixel;
    private final int netWmName;

    private X11Display(SocketChannel channel, ByteBuffer setup) throws IOException {
        this.channel = channel;
        int vendorLength = setup.getShort(16) & 0xffff;
        int formats = setup.get(21) & 0xff;
        int offset = 32 + pad(vendorLength);
        int formatsAt = offset;
        offset += 8 * formats;
        root = setup.getInt(offset);
        screenWidth = setup.getShort(offset + 20) & 0xffff;
        screenHeight = setup.getShort(offset + 22) & 0xffff;
        int rootVisual = setup.getInt(offset + 32);
        int rootDepth = setup.get(offset + 38) & 0xff;
        int depths = setup.get(offset + 39) & 0xff;
        int bpp = 0;
        for (int f = 0; f < formats; f++) {
            if ((setup.get(formatsAt + 8 * f) & 0xff) == rootDepth) {
                bpp = setup.get(formatsAt + 8 * f + 1) & 0xff;
            }
        }
        rootDepthBitsPerPixel = bpp;
        int[] masks = null;
        int d = offset + 40;
        for (int i = 0; i < depths && masks == null; i++) {
            int visuals = setup.getShort(d + 2) & 0xffff;
            for (int v = 0; v < visuals; v++) {
                int at = d + 8 + 24 * v;
                if (setup.getInt(at) == rootVisual) {
                    masks = new int[] {setup.getInt(at + 8), setup.getInt(at + 12), setup.getInt(at + 16)};
                }
            }
            d += 8 + 24 * visuals;
        }
        if (masks == null || setup.get(22) != 0) {
            throw new IOException("unsupported X screen: root visual not found or image byte order not LSB first");
        }
        redMask = masks[0];
        greenMask = masks[1];
        blueMask = masks[2];
        netWmName = internAtom("_NET_WM_NAME");
    }

    /** Connects to display {@code :number} through /tmp/.X11-unix/X{number}. */
    static X11Display connect(int number) throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(Path.of("/tmp/.X11-unix/X" + number)));
        try {
            ByteBuffer hello = little(12).put((byte) 'l').put((byte) 0).putShort((short) 11).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).flip();
            write(channel, hello);
            ByteBuffer head = read(channel, 8);
            ByteBuffer body = read(channel, (head.getShort(6) & 0xffff) * 4);
            if (head.get(0) != 1) {
                int reasonLength = head.get(1) & 0xff;
                byte[] reason = new byte[Math.min(reasonLength, body.capacity())];
                body.get(0, reason);
                throw new IOException("X server :" + number + " refused the connection: "
                        + new String(reason, StandardCharsets.ISO_8859_1));
            }
            return new X11Display(channel, body);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    Rectangle screen() {
        return new Rectangle(0, 0, screenWidth, screenHeight);
    }

    /** The root window's children, in stacking order (bottom first); ones that vanish meanwhile are left out. */
    List<Window> topLevelWindows() throws IOException {
        ByteBuffer tree = request(little(8).put((byte) 15).put((byte) 0).putShort((short) 2).putInt(root));
        int n = tree.getShort(16) & 0xffff;
        List<Window> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = tree.getInt(32 + 4 * i);
            try {
                ByteBuffer attributes = request(little(8).put((byte) 3).put((byte) 0).putShort((short) 2).putInt(id));
                ByteBuffer geometry = request(little(8).put((byte) 14).put((byte) 0).putShort((short) 2).putInt(id));
                Rectangle bounds = new Rectangle(geometry.getShort(12), geometry.getShort(14),
                        geometry.getShort(16) & 0xffff, geometry.getShort(18) & 0xffff);
                String title = stringProperty(id, netWmName);
                if (title.isEmpty()) {
                    title = stringProperty(id, ATOM_WM_NAME);
                }
                out.add(new Window(id, title, bounds, (attributes.get(26) & 0xff) == MAP_STATE_VIEWABLE));
            } catch (XError e) {
                // The window was destroyed between QueryTree and this request.
            }
        }
        return out;
    }

    /** The screen's pixels inside {@code area} (clipped to the screen), as RGB. */
    BufferedImage capture(Rectangle area) throws IOException {
        Rectangle r = area.intersection(screen());
        if (r.isEmpty()) {
            throw new IOException("area " + area + " is off the screen " + screen());
        }
        if (rootDepthBitsPerPixel != 32) {
            throw new IOException("unsupported X screen: " + rootDepthBitsPerPixel + " bits per pixel (Xvfb -screen 0 WxHx24 gives 32)");
        }
        ByteBuffer reply = request(little(20).put((byte) 73).put((byte) Z_PIXMAP).putShort((short) 5).putInt(root)
                .putShort((short) r.x).putShort((short) r.y).putShort((short) r.width).putShort((short) r.height)
                .putInt(-1));
        BufferedImage image = new BufferedImage(r.width, r.height, BufferedImage.TYPE_INT_RGB);
        int at = 32;
        for (int y = 0; y < r.height; y++) {
            for (int x = 0; x < r.width; x++) {
                int p = reply.getInt(at);
                at += 4;
                image.setRGB(x, y, channel(p, redMask) << 16 | channel(p, greenMask) << 8 | channel(p, blueMask));
            }
        }
        return image;
    }

    private static int channel(int pixel, int mask) {
        int v = (pixel & mask) >>> Integer.numberOfTrailingZeros(mask);
        int bits = Integer.bitCount(mask);
        return bits >= 8 ? v >>> (bits - 8) : v << (8 - bits);
    }

    private String stringProperty(int window, int atom) throws IOException {
        ByteBuffer reply = request(little(24).put((byte) 20).put((byte) 0).putShort((short) 6).putInt(window)
                .putInt(atom).putInt(ANY_PROPERTY_TYPE).putInt(0).putInt(256));
        int format = reply.get(1) & 0xff;
        int length = reply.getInt(16);
        if (format != 8 || length == 0) {
            return "";
        }
        byte[] value = new byte[length];
        reply.get(32, value);
        // _NET_WM_NAME is UTF-8; WM_NAME's ASCII part reads the same in Latin-1 and in UTF-8.
        return new String(value, StandardCharsets.UTF_8);
    }

    private int internAtom(String name) throws IOException {
        byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
        int words = 2 + pad(bytes.length) / 4;
        ByteBuffer req = little(words * 4).put((byte) 16).put((byte) 0).putShort((short) words)
                .putShort((short) bytes.length).putShort((short) 0).put(bytes);
        return request(req.position(words * 4)).getInt(8);
    }

    /** An X protocol error reply. */
    static final class XError extends IOException {
        XError(int code, int opcode) {
            super("X error " + code + " for request " + opcode);
        }
    }

    /** Sends one request and reads its reply (events, which this client never selects, are skipped). */
    private ByteBuffer request(ByteBuffer req) throws IOException {
        int opcode = req.get(0) & 0xff;
        write(channel, req.flip());
        while (true) {
            ByteBuffer head = read(channel, 32);
            int kind = head.get(0) & 0xff;
            if (kind == 0) {
                throw new XError(head.get(1) & 0xff, opcode);
            }
            if (kind == 1) {
                long extra = (head.getInt(4) & 0xffffffffL) * 4;
                if (extra > Integer.MAX_VALUE - 32) {
                    throw new IOException("X reply too large: " + extra + " bytes");
                }
                ByteBuffer whole = little(32 + (int) extra).put(head.rewind());
                whole.put(read(channel, (int) extra));
                return whole.rewind();
            }
        }
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }

    private static ByteBuffer little(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void write(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static ByteBuffer read(SocketChannel channel, int size) throws IOException {
        ByteBuffer buffer = little(size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("the X server closed the connection");
            }
        }
        return buffer.flip();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
