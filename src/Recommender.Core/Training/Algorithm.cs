namespace Recommender.Core.Training;

/// <summary>The factorization algorithms. All share the prediction rule of <see cref="Model.FactorModel"/>.</summary>
public enum Algorithm
{
    /// <summary>
    /// Biased matrix factorization by stochastic gradient descent (Funk 2006; Koren, Bell &amp; Volinsky 2009):
    /// r̂ = μ + b_u + b_i + p_u·q_i, ratings visited in a fresh seeded order each epoch. The default.
    /// </summary>
    BiasedSgd = 0,

    /// <summary>
    /// The same biased model fitted by alternating least squares with weighted-λ regularization
    /// (Zhou et al. 2008): every user row, then every item row, is the closed-form ridge solution.
    /// </summary>
    Als = 1,

    /// <summary>
    /// The seed notebook's algorithm exactly: no biases, r̂ = u·v, N(0, 1/k) initialisation, known ratings in
    /// dataset order, u += α(2e·v − λu) then v += α(2e·u − λv) with the updated u.
    /// </summary>
    Notebook = 2,
}
