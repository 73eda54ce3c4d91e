package dev.kvlens.inference.report;

import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepReportTest {

    /**
     * Two tasks, the full cache plus two policies at budgets 16/32/64, two samples each. Score for sample k:
     * base + 0.1 k; % kept = budget / 2 (+1 for sample 1), so every point is a hand-checkable mean.
     */
    private static List<SweepRow> rows() {
        List<SweepRow> rows = new ArrayList<>();
        for (String task : List.of("needle", "Name recall")) {
            for (int k = 0; k < 2; k++) {
                rows.add(new SweepRow("full", "unlimited", task, k, 0.9 + 0.1 * k, 0, 12800, 100));
                for (String policy : List.of("snapkv", "h2o")) {
                    for (int budget : new int[]{16, 32, 64}) {
                        double base = (policy.equals("snapkv") ? 0.5 : 0.3) + budget / 200.0;
                        rows.add(new SweepRow(policy, budget + " entries/KV head", task, k, base + 0.1 * k,
                                0.01 * budget, budget * 100L, budget / 2.0 + k));
                    }
                }
            }
        }
        return rows;
    }

    @Test
    void csvHasOneRowPerRun(@TempDir Path dir) throws IOException {
        SweepFiles files = SweepReport.write(rows(), dir);
        List<List<String>> csv = CsvRows.read(files.csv());
        assertEquals(SweepReport.HEADER, csv.getFirst());
        assertEquals(1 + 2 * 2 * 7, csv.size());
        // snapkv at 32 on needle, sample 1: 0.5 + 0.16 + 0.1 = 0.76; KL 0.32; 3200 bytes; 16 + 1 = 17% kept.
        assertTrue(csv.contains(List.of("snapkv", "32 entries/KV head", "needle", "1", "0.76", "0.32", "3200", "17")),
                csv.toString());
    }

    @Test
    void onePngAndSvgPerTaskWithOneLinePerPolicyThroughSampleMeans(@TempDir Path dir) throws Exception {
        SweepFiles files = SweepReport.write(rows(), dir);
        assertEquals(2, files.charts().size());
        assertEquals("sweep-needle.png", files.charts().get(0).png().getFileName().toString());
        assertEquals("sweep-name-recall.svg", files.charts().get(1).svg().getFileName().toString());
        for (ChartImage c : files.charts()) {
            BufferedImage image = ImageIO.read(c.png().toFile());
            assertNotNull(image);
            assertTrue(ComparisonReportTest.distinctColours(image) >= 8);
            ComparisonReportTest.parseXml(c.svg());
        }
        JFreeChart chart = SweepChart.of("needle", rows().stream().filter(r -> r.task().equals("needle")).toList());
        XYDataset data = chart.getXYPlot().getDataset();
        assertEquals(3, data.getSeriesCount());
        assertEquals("full cache (reference)", data.getSeriesKey(0));
        assertEquals("snapkv", data.getSeriesKey(1));
        // snapkv at 64: mean % kept (32 + 33) / 2 = 32.5, mean score 0.5 + 0.32 + 0.05 = 0.87.
        assertEquals(3, data.getItemCount(1));
        assertEquals(32.5, data.getXValue(1, 2), 1e-12);
        assertEquals(0.87, data.getYValue(1, 2), 1e-12);
        // the full cache is one point at 100% with the mean of 0.9 and 1.0.
        assertEquals(100, data.getXValue(0, 0), 1e-12);
        assertEquals(0.95, data.getYValue(0, 0), 1e-12);
    }

    @Test
    void taskNamesBecomeSafeFileNames() {
        assertEquals("needle-50", SweepReport.slug("Needle @ 50%"));
        assertEquals("task", SweepReport.slug("***"));
    }
}
