using Microsoft.Extensions.Options;

namespace Recommender.Api.Options;

internal static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <paramref name="section"/> (an unknown key is an error) and validates
    /// it at start-up with <typeparamref name="TValidator"/>, so a bad value stops the service with its name.
    /// </summary>
    /// <remarks>
    /// Bound once, when start-up validates them: a configuration reload (an edited settings file) changes nothing, valid
    /// or not, and <see cref="IOptions{TOptions}"/> hands out that same validated value even where it is first asked for
    /// after a reload. (Bound the usual way, a reload would make every options monitor revalidate and throw on the reload
    /// thread, and an <see cref="IOptions{TOptions}"/> first read after it would bind the edited values.) What may
    /// change while running reads the configuration itself, as the API keys do (<see cref="Security.ApiKeyStore"/>).
    /// </remarks>
    public static IServiceCollection AddStartupOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddStartupOptions<TOptions>(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> from <paramref name="section"/> once (an unknown key is an error).</summary>
    public static OptionsBuilder<TOptions> AddStartupOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        // No change-token source, so the monitor's cached value is never dropped; IOptions reads that one value.
        services.AddSingleton<IOptions<TOptions>>(provider =>
            Microsoft.Extensions.Options.Options.Create(provider.GetRequiredService<IOptionsMonitor<TOptions>>().CurrentValue));
        return services.AddOptions<TOptions>().Configure<IConfiguration>((options, configuration) => Bind(options, configuration, section));
    }

    /// <summary>Binds one section; a value that does not convert or an unknown key fails like a validation, naming the key.</summary>
    private static void Bind<TOptions>(TOptions options, IConfiguration configuration, string section)
        where TOptions : class
    {
        try
        {
            configuration.GetSection(section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The innermost of the binder's messages names the key ("Failed to convert configuration value 'x' at
            // 'Training:Epochs'…") or the unknown property; start-up reports it like any other invalid setting.
            var cause = e;
            while (cause.InnerException is InvalidOperationException inner)
            {
                cause = inner;
            }

            throw new OptionsValidationException(section, typeof(TOptions), [$"The {section} section could not be read: {cause.Message}"]);
        }
    }
}
