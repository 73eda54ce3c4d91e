package dev.kvlens.inference.policy;

/** Makes configured instances of one policy. */
public interface PolicyFactory {

    PolicyDescriptor descriptor();

    /** A new instance (one per lane) with this budget and these options. */
    KvPolicy create(Budget budget, PolicyOptions options);
}
