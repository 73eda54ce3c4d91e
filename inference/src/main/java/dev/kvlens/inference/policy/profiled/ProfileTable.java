package dev.kvlens.inference.policy.profiled;

import java.util.List;

/**
 * What {@code kvlens profile} writes for one model and one profiled policy: the model's shape (a
 * table is refused for another shape), the probes it ran, and the policy's own section (the
 * others are null).
 *
 * @param version      file format version ({@link ProfileTables#VERSION})
 * @param policy       the policy id the table is for
 * @param model        the model's name
 * @param layers       L
 * @param heads        H
 * @param kvHeads      Hkv
 * @param probes       the probes and calibration texts that were run
 * @param baklava      BaKlaVa-like section, or null
 * @param surfaceLogic SurfaceLogicKV-like section, or null
 * @param fastGen      FastGen section, or null
 * @param kvSharer     KVSharer section, or null
 * @param seconds      wall time the profile took
 */
public record ProfileTable(int version, String policy, String model, int layers, int heads, int kvHeads,
                           List<NeedleProbe> probes, BaklavaTable baklava, SurfaceLogicTable surfaceLogic,
                           FastGenTable fastGen, KvSharerTable kvSharer, double seconds) {
}
