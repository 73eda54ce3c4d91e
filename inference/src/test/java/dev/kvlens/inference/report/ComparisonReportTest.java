package dev.kvlens.inference.report;

import dev.kvlens.inference.session.event.SessionEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonReportTest {

    private static final Map<Integer, Double> SCORES = Map.of(0, 1.0, 1, 0.5);

    @Test
    void metricsCsvHasOneRowPerLaneAndStepWithHandWorkedCells(@TempDir Path dir) throws IOException {
        ReportFiles files = ComparisonReport.write(HandBuiltSession.events(), dir, SCORES);
        List<List<String>> rows = CsvRows.read(files.metricsCsv());
        assertEquals(MetricsCsv.HEADER, rows.getFirst());
        assertEquals(1 + 3 * HandBuiltSession.STEPS, rows.size());
        // lane 1 at step 12: window of 8 entries in each of 4 heads = 32 entries = 1024 bytes of 13 x 128 = 1664.
        assertEquals(List.of("1", "streamingllm", "StreamingLLM", "8 entries/KV head", "12", "17", " w12", "0.12", "0",
                "2.12", "0.9", "0.1", "1024", "1664", "61.5384615", "32"), row(rows, 1, 12));
        // lane 2 at step 12: plan [[6,5],[2,3]] at step 9 plus 3 steps of growth = 28 entries = 896 bytes.
        assertEquals(List.of("2", "pyramidkv", "PyramidKV-like", "25.0% kept", "12", "17", " w12", "0.08", "1",
                "2.08", "0.8", "0.2", "896", "1664", "53.8461538", "28"), row(rows, 2, 12));
        // lane 2 before its compression holds every position: 4 heads x 5 positions at step 4.
        assertEquals("20", row(rows, 2, 4).get(15));
        // the token with a comma and quotes survives quoting, and lanes without TokenSteps borrow lane 0's.
        assertEquals(HandBuiltSession.TRICKY_TEXT, row(rows, 2, 3).get(6));
        assertEquals(List.of("0", "full", "FullKV", "unlimited", "19", "24", " w19", "0", "1", "2.75", "1", "0",
                "2560", "2560", "100", "80"), row(rows, 0, 19));
    }

    @Test
    void summaryCsvHasOneRowPerLaneWithHandWorkedMeans(@TempDir Path dir) throws IOException {
        ReportFiles files = ComparisonReport.write(HandBuiltSession.events(), dir, SCORES);
        List<List<String>> rows = CsvRows.read(files.summaryCsv());
        assertEquals(SummaryCsv.HEADER, rows.getFirst());
        assertEquals(4, rows.size());
        // mean NLL of lane 0: 2 + 0.25 x mean(s mod 4) = 2.375; the others add their mean KL.
        assertEquals(List.of("0", "full", "FullKV", "unlimited", "false", "20", "2560", "2560", "100", "80", "0", "100",
                "2.375", "1", "0", "1"), rows.get(1));
        // lane 1: KL 0.01 x (8+...+19) / 20 = 0.081; 18 of 20 agree; attention (8 + 12 x 0.9) / 20 = 0.94.
        assertEquals(List.of("1", "streamingllm", "StreamingLLM", "8 entries/KV head", "false", "20", "1024", "2560",
                "40", "32", "0.081", "90", "2.456", "0.94", "0.06", "0.5"), rows.get(2));
        // lane 2: KL 0.02 x (1+...+11) / 20 = 0.066; 17 of 20 agree; final entries 16+15+12+13 = 56 = 1792 bytes.
        assertEquals(List.of("2", "pyramidkv", "PyramidKV-like", "25.0% kept", "false", "20", "1792", "2560", "70",
                "56", "0.066", "85", "2.441", "0.89", "0.11", ""), rows.get(3));
    }

    @Test
    void budgetMapHoldsTheEntriesAfterTheLastStep() {
        SessionTables t = SessionTables.of(HandBuiltSession.events(), Map.of());
        assertArrayEquals2(new int[][]{{20, 20}, {20, 20}}, t.lanes().get(0).finalEntries());
        assertArrayEquals2(new int[][]{{8, 8}, {8, 8}}, t.lanes().get(1).finalEntries());
        assertArrayEquals2(new int[][]{{16, 15}, {12, 13}}, t.lanes().get(2).finalEntries());
    }

    @Test
    void everyChartIsARealPngAndAParsableSvg(@TempDir Path dir) throws Exception {
        ReportFiles files = ComparisonReport.write(HandBuiltSession.events(), dir, SCORES);
        Set<String> names = new HashSet<>();
        for (ChartImage c : files.charts()) {
            names.add(c.png().getFileName().toString());
            BufferedImage image = ImageIO.read(c.png().toFile());
            assertNotNull(image, c.png() + " does not decode");
            assertEquals(c.width() * ChartFiles.PNG_SCALE, image.getWidth());
            assertEquals(c.height() * ChartFiles.PNG_SCALE, image.getHeight());
            assertTrue(distinctColours(image) >= 8, c.png() + " looks blank: " + distinctColours(image) + " colours");
            Document svg = parseXml(c.svg());
            assertEquals("svg", svg.getDocumentElement().getLocalName() == null
                    ? svg.getDocumentElement().getNodeName() : svg.getDocumentElement().getLocalName());
            String svgText = Files.readString(c.svg());
            assertTrue(svgText.contains("<path") || svgText.contains("<line"));
            assertFalse(svgText.contains("<!DOCTYPE"), "a DOCTYPE would point XML readers at the network");
        }
        assertEquals(Set.of("quality-kl.png", "quality-top1.png", "quality-attention-kept.png", "memory.png",
                "budget-map-lane0.png", "budget-map-lane1.png", "budget-map-lane2.png"), names);
    }

    @Test
    void compressedLanesDrawInTheirOwnColoursOnTheKlChart(@TempDir Path dir) throws IOException {
        ComparisonReport.write(HandBuiltSession.events(), dir, SCORES);
        BufferedImage kl = ImageIO.read(dir.resolve("quality-kl.png").toFile());
        // Okabe-Ito blue (lane 1) and vermillion (lane 2) must both appear as line pixels.
        assertTrue(countNear(kl, 0x0072B2) > 200, "lane 1's line is missing");
        assertTrue(countNear(kl, 0xD55E00) > 200, "lane 2's line is missing");
    }

    @Test
    void htmlIsSelfContainedWithBothTablesAndEveryChart(@TempDir Path dir) throws IOException {
        ReportFiles files = ComparisonReport.write(HandBuiltSession.events(), dir, SCORES);
        String html = Files.readString(files.html());
        assertTrue(html.contains("<table id=\"lanes\">"));
        assertTrue(html.contains("<table id=\"summary\">"));
        assertTrue(html.contains("hand-built-2L"));
        assertTrue(html.contains("PyramidKV-like") && html.contains("25.0% kept"));
        assertTrue(html.contains("say, &quot;hi&quot;"), "prompt excerpt, escaped");
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"),
                "the page must not reach the network");
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertNotNull(image);
            images++;
        }
        assertEquals(files.charts().size(), images);
        // lane 1's summary row: 40.0% of full bytes and 90.0% agreement.
        assertTrue(html.contains("<td class=\"num\">40.0%</td>") && html.contains("<td class=\"num\">90.0%</td>"));
    }

    @Test
    void fullLaneWithoutSamplesStillAppearsAsTheReference(@TempDir Path dir) throws Exception {
        ReportFiles files = ComparisonReport.write(HandBuiltSession.events(false), dir);
        for (ChartImage c : files.charts()) {
            assertTrue(distinctColours(ImageIO.read(c.png().toFile())) >= 8);
            parseXml(c.svg());
        }
        String memorySvg = Files.readString(dir.resolve("memory.svg"));
        assertTrue(memorySvg.contains("full fp32 cache (reference)"));
        assertTrue(Files.readString(dir.resolve("quality-kl.svg")).contains("full cache = 0"));
        List<List<String>> summary = CsvRows.read(files.summaryCsv());
        assertEquals("", summary.get(1).get(10), "no quality samples for lane 0: mean KL is left empty, not invented");
    }

    @Test
    void laterSampleForTheSameStepWins(@TempDir Path dir) throws IOException {
        List<SessionEvent> events = new java.util.ArrayList<>(HandBuiltSession.events());
        events.add(events.size() - 1, new dev.kvlens.inference.session.event.QualitySample(1, 12, 0.5, true, 3, 0.5, 0.5));
        List<List<String>> rows = CsvRows.read(ComparisonReport.write(events, dir).metricsCsv());
        assertEquals("0.5", row(rows, 1, 12).get(7));
        assertEquals(1 + 3 * HandBuiltSession.STEPS, rows.size());
    }

    @Test
    void eventsWithoutAStartOrWithAnUnknownLaneAreRefusedClearly(@TempDir Path dir) {
        List<SessionEvent> noStart = HandBuiltSession.events().subList(1, 10);
        var e1 = assertThrows(IllegalArgumentException.class, () -> ComparisonReport.write(noStart, dir));
        assertTrue(e1.getMessage().contains("SessionStarted"));
        List<SessionEvent> badLane = new java.util.ArrayList<>(HandBuiltSession.events());
        badLane.add(new dev.kvlens.inference.session.event.QualitySample(7, 3, 0, true, 1, 1, 0));
        var e2 = assertThrows(IllegalArgumentException.class, () -> ComparisonReport.write(badLane, dir));
        assertTrue(e2.getMessage().contains("lane 7"), e2.getMessage());
    }

    private static List<String> row(List<List<String>> rows, int lane, int step) {
        return rows.stream().skip(1)
                .filter(r -> r.get(0).equals(Integer.toString(lane)) && r.get(4).equals(Integer.toString(step)))
                .findFirst().orElseThrow();
    }

    static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return colours.size();
    }

    private static int countNear(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xFF) - ((rgb >> 16) & 0xFF)) < 12
                        && Math.abs(((p >> 8) & 0xFF) - ((rgb >> 8) & 0xFF)) < 12
                        && Math.abs((p & 0xFF) - (rgb & 0xFF)) < 12) {
                    n++;
                }
            }
        }
        return n;
    }

    static Document parseXml(Path file) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        // Never fetch a DTD: the check must not need the network.
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(file.toFile());
    }

    private static void assertArrayEquals2(int[][] expected, int[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected[i], actual[i], "row " + i);
        }
    }
}
